// The WatchFn of the informers over ApiHttp.stream: newline-delimited JSON watch events.
import { ApiHttp } from './http';
import { WatchFn } from './listWatch';

export function httpWatch(http: ApiHttp): WatchFn {
  return (path, query, h) => {
    let rest = '';
    return http.stream(path, { ...query, watch: 'true' }, {
      onOpen: () => h.onOpen(),
      onData: (chunk) => {
        const text = rest + chunk.toString('utf8');
        let start = 0;
        for (;;) {
          const nl = text.indexOf('\n', start);
          if (nl < 0) break;
          const line = text.slice(start, nl);
          start = nl + 1;
          if (!line.trim()) continue;
          let ev: { type?: string; object?: unknown };
          try {
            ev = JSON.parse(line);
          } catch {
            continue; // a torn line cannot be acted on; the resourceVersion resume covers it
          }
          if (ev.type) h.onEvent(ev.type, ev.object);
        }
        rest = text.slice(start);
      },
      onClose: (err) => h.onClose(err),
    });
  };
}
