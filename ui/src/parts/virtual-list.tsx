/**
 * A list that renders only the rows in view (plus a few either side), so a 10,000-event history scrolls as fast
 * as a 10-event one. Rows have one fixed height. Arrow keys, Home and End move the selection and keep it in view.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

const OVERSCAN = 8;

export function VirtualList(props: {
  /** Prefix of the rows' element ids (for aria-activedescendant). */
  id: string;
  label: string;
  count: number;
  rowHeight: number;
  height: number;
  selected: number | undefined;
  onSelect: (index: number) => void;
  row: (index: number) => ComponentChildren;
}) {
  const { count, rowHeight, height, selected, onSelect } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);

  useEffect(() => {
    const box = ref.current;
    if (!box || selected === undefined) return;
    const y = selected * rowHeight;
    if (y < box.scrollTop) box.scrollTop = y;
    else if (y + rowHeight > box.scrollTop + box.clientHeight)
      box.scrollTop = y + rowHeight - box.clientHeight;
  }, [selected, rowHeight]);

  const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
  const last = Math.min(count, Math.ceil((top + height) / rowHeight) + OVERSCAN);
  const rows: ComponentChildren[] = [];
  for (let index = first; index < last; index++) {
    rows.push(
      <div
        key={index}
        role="option"
        id={`${props.id}-row-${index}`}
        aria-selected={index === selected}
        aria-posinset={index + 1}
        aria-setsize={count}
        class={`vrow${index === selected ? " selected" : ""}`}
        style={{ top: `${index * rowHeight}px`, height: `${rowHeight}px` }}
        tabIndex={-1}
        onClick={() => onSelect(index)}
        onKeyDown={(event) => {
          if (event.key === "Enter" || event.key === " ") onSelect(index);
        }}
      >
        {props.row(index)}
      </div>,
    );
  }

  const onKey = (event: KeyboardEvent) => {
    const current = selected ?? -1;
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: current + 1,
      ArrowUp: current - 1,
      PageDown: current + page,
      PageUp: current - page,
      Home: 0,
      End: count - 1,
    };
    const target = moves[event.key];
    if (target === undefined || count === 0) return;
    event.preventDefault();
    onSelect(Math.min(count - 1, Math.max(0, target)));
  };

  return (
    <div
      ref={ref}
      class="vlist"
      role="listbox"
      tabIndex={0}
      aria-label={props.label}
      aria-activedescendant={selected !== undefined ? `${props.id}-row-${selected}` : undefined}
      style={{ height: `${Math.min(height, Math.max(count, 1) * rowHeight + 2)}px` }}
      onScroll={(e) => setTop(e.currentTarget.scrollTop)}
      onKeyDown={onKey}
    >
      <div class="vspace" style={{ height: `${count * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}
