import { CONTENT_TYPES, DEFAULT_CONTENT_TYPE } from '../../flags';
import { child, nodeEnd, nodeStart, pairOf, str } from '../ast';
import { Check } from '../context';

/** node-configmap's content.type feeds --kube-api-content-type. */
export const checkConfigMap: Check = (ctx, d) => {
  if (d.kind !== 'ConfigMap' || d.name !== 'node-configmap') return;
  const pair = pairOf(child(d.root, 'data'), 'content.type');
  const value = str(pair?.value);
  if (!pair || value === undefined || (CONTENT_TYPES as readonly string[]).includes(value)) return;
  const [s, e] = [nodeStart(pair.value), nodeEnd(pair.value)];
  ctx.report('invalid-content-type', s, e, `content.type "${value}" is not a content type: it is passed to --kube-api-content-type, which wants application/vnd.kubernetes.protobuf or application/json.`, {
    title: `Use ${DEFAULT_CONTENT_TYPE}`,
    edits: [ctx.src.edit(s, e, DEFAULT_CONTENT_TYPE)],
  });
};
