/** Live updates by polling: runs `load` now and every `ms`, paused while the tab is hidden. */
import { useEffect, useRef, useState } from "preact/hooks";

export function usePoll(
  load: () => Promise<void>,
  ms: number,
  deps: unknown[],
  enabled = true,
): Date | undefined {
  const [last, setLast] = useState<Date>();
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      timer = undefined;
      if (stopped) return;
      if (document.visibilityState === "visible") {
        try {
          await loadRef.current();
          setLast(new Date());
        } catch {
          // The page shows its own error; keep polling so it recovers when the server does.
        }
      }
      if (!stopped && enabled) timer = setTimeout(tick, ms);
    };
    const onVisible = () => {
      if (document.visibilityState === "visible" && timer !== undefined) {
        clearTimeout(timer);
        void tick();
      }
    };
    void tick();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [...deps, enabled, ms]);
  return last;
}
