import { Check } from '../context';
import { containersOf } from './containers';

export const checkOutput: Check = (ctx, d) => {
  for (const c of containersOf(ctx.src, d)) {
    for (const r of c.invocation?.redirections ?? []) {
      if (r.target !== '/dev/null') continue;
      let s = r.start;
      while (s > 0 && (ctx.src.text[s - 1] === ' ' || ctx.src.text[s - 1] === '\t')) s--;
      ctx.report('output-discarded', r.start, r.end, `"${r.text}" throws kubemark's ${/^(2|&)/.test(r.text) ? 'errors' : 'output'} away, with the real failures (missing containerd socket, bad kubeconfig, panics). Keep the output: Kubemark: Tail Logs filters the known noise and counts it.`, {
        title: `Remove ${r.text}`,
        edits: [ctx.src.edit(s, r.end, '')],
      });
    }
  }
};
