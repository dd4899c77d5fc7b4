module example.com/prodpath/search

go 1.23
