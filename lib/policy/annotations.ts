/**
 * Warnings recorded on the construct they are about, as construct metadata of the type AWS CDK's
 * `Annotations.of(scope).addWarning()` writes (`aws:cdk:warning`). cdk8s 2.x has no Annotations
 * class of its own; this is the same record, so code that reads a construct's warnings from its
 * metadata finds prodpath's next to the ones other libraries add.
 */
import { IConstruct } from 'constructs';

/** The metadata type of a warning (the one AWS CDK's Annotations use). */
export const WARNING_METADATA = 'aws:cdk:warning';

/** Records `message` as a warning on `scope`, once (a second render does not repeat it). */
export function addWarning(scope: IConstruct, message: string): void {
  if (scope.node.metadata.some((m) => m.type === WARNING_METADATA && m.data === message)) return;
  scope.node.addMetadata(WARNING_METADATA, message, { stackTrace: false });
}

/** The warnings recorded on `scope` itself (not its children), oldest first. */
export function warningsOf(scope: IConstruct): string[] {
  return scope.node.metadata.filter((m) => m.type === WARNING_METADATA).map((m) => String(m.data));
}
