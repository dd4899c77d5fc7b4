/**
 * Strings decided at synth. An image whose recipe defaults follow its users (see
 * `Image.noteUse`) has no tag until every workload is defined, but the workloads hand their
 * image reference and version label to cdk8s-plus as they are constructed. They hand it a
 * placeholder instead; the app's resolver (a cdk8s `IResolver`, installed by prodpath's `App`)
 * replaces it with the decided value whenever an object is rendered.
 */
import type { ResolutionContext } from 'cdk8s';
import { IConstruct } from 'constructs';

const PREFIX = '${prodpath:deferred:';

/** The placeholders of each app (by root construct), each with what produces its value. */
const producers = new WeakMap<IConstruct, Map<string, () => string>>();

/** A placeholder for `produce()`, resolved when the objects of `scope`'s app are rendered. */
export function deferredString(scope: IConstruct, produce: () => string): string {
  const root = scope.node.root;
  let map = producers.get(root);
  if (map === undefined) {
    map = new Map();
    producers.set(root, map);
  }
  const token = `${PREFIX}${map.size}}`;
  map.set(token, produce);
  return token;
}

/**
 * The cdk8s resolver that replaces the placeholders in rendered values. cdk8s calls it for every
 * value of every object, so it answers most strings from their first character: a placeholder is
 * always a whole value (an image reference, a label value), never part of one.
 */
export class DeferredStringResolver {
  public resolve(context: ResolutionContext): void {
    const value = context.value;
    if (typeof value === 'string' && value.charCodeAt(0) === 36 /* $ */ && value.startsWith(PREFIX)) {
      const produce = producers.get(context.obj.node.root)?.get(value);
      if (produce !== undefined) {
        context.replaceValue(produce());
      }
    }
  }
}
