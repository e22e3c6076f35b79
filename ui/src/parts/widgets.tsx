/** Small pieces shared by the pages: status badges, error notes, a confirmation dialog. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { ApiError } from "../api.js";

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status.toLowerCase()}`}>{status}</span>;
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text =
    error instanceof ApiError
      ? `${error.errorCode}: ${error.message}`
      : String((error as Error).message ?? error);
  return (
    <p role="alert" class="error">
      {text}
    </p>
  );
}

/**
 * A modal form (the native <dialog>, so focus is trapped and Escape closes it). `onConfirm` returning a promise
 * keeps the dialog open until it settles; a thrown error is shown inside it.
 */
export function Dialog(props: {
  title: string;
  confirm: string;
  danger?: boolean;
  busy?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
  children?: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby="dialog-title"
      onClose={props.onClose}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <form
        method="dialog"
        class="dialog-form"
        onSubmit={(e) => {
          e.preventDefault();
          props.onConfirm();
        }}
      >
        <h2 id="dialog-title">{props.title}</h2>
        {props.children}
        <ErrorNote error={props.error} />
        <div class="buttons">
          <button type="submit" class={props.danger ? "danger" : ""} disabled={props.busy}>
            {props.confirm}
          </button>
          <button type="button" class="secondary" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
