import type { ComponentChildren } from "preact";
import { createContext } from "preact";
import { useCallback, useContext, useEffect, useId, useRef, useState } from "preact/hooks";
import { api, messageOf } from "./api.js";
import type { SessionView } from "./types.js";

// The pieces every page is made of: loading an answer, saying what happened (in a live region, so a screen
// reader hears it), a modal dialog that keeps the keyboard inside it, tables that scroll on a phone.

export const SessionContext = createContext<SessionView | null>(null);

export function useSession(): SessionView {
  const s = useContext(SessionContext);
  if (s === null) throw new Error("a page rendered outside a session");
  return s;
}

/** What the control policies in force let the session do, as the server's Cedar answered at sign-in; the server decides each request again, this only hides buttons that would be refused. */
export function can(session: SessionView, ability: keyof SessionView["abilities"]): boolean {
  return session.abilities[ability];
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  reload(): void;
}

/**
 * GET a control API path (null: nothing to load yet); every change of path, or reload(), asks again, and with
 * everyMs so does the clock while the tab is shown (a list others change: calls waiting for an approver).
 */
export function useLoad<T>(path: string | null, everyMs?: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(path !== null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setLoading(true);
    api<T>(path).then(
      (d) => {
        if (!current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (!current) return;
        setError(messageOf(err));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [path, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  useEffect(() => {
    if (everyMs === undefined || path === null) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") reload();
    }, everyMs);
    return () => clearInterval(timer);
  }, [everyMs, path, reload]);
  return { data, error, loading, reload };
}

export interface Notice {
  readonly kind: "ok" | "error";
  readonly text: string;
}

/**
 * The page's status line: always in the document (a live region must exist before its text changes to be
 * read out), polite for results and assertive for errors.
 */
export function Status({ notice, loading }: { notice?: Notice | undefined; loading?: boolean }) {
  return (
    <div class="status-area">
      <p class={`status${notice?.kind === "ok" ? " status-ok" : ""}`} role="status" aria-live="polite">
        {notice?.kind === "ok" ? notice.text : loading === true ? "Loading…" : ""}
      </p>
      <p class={notice?.kind === "error" ? "status status-error" : "status"} role="alert">
        {notice?.kind === "error" ? notice.text : ""}
      </p>
    </div>
  );
}

export function errorNotice(error: string | undefined): Notice | undefined {
  return error === undefined ? undefined : { kind: "error", text: error };
}

/**
 * A modal dialog on the platform's <dialog>: the rest of the page is inert while it is open, Escape closes it,
 * Tab cycles within it, and focus goes back to what opened it.
 */
export function Dialog(props: { open: boolean; title: string; onClose: () => void; children: ComponentChildren; describedBy?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (d === null) return;
    if (props.open && !d.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      d.showModal();
      const first = d.querySelector<HTMLElement>("[data-autofocus]") ?? focusables(d)[0];
      first?.focus();
    } else if (!props.open && d.open) {
      d.close();
      const back = opener.current;
      opener.current = null;
      if (back?.isConnected === true) back.focus();
      else document.getElementById("main")?.focus();
    }
  }, [props.open]);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "Tab" || ref.current === null) return;
    const items = focusables(ref.current);
    const first = items[0];
    const last = items[items.length - 1];
    if (first === undefined || last === undefined) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={titleId}
      aria-describedby={props.describedBy}
      onCancel={(e) => {
        // Escape: the dialog closes through our state, so focus returns to the button that opened it.
        e.preventDefault();
        props.onClose();
      }}
      onKeyDown={onKeyDown}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.open ? props.children : null}
    </dialog>
  );
}

function focusables(root: HTMLElement): HTMLElement[] {
  return [
    ...root.querySelectorAll<HTMLElement>(
      "button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href], [tabindex]",
    ),
  ].filter((el) => el.tabIndex >= 0);
}

/**
 * A table that scrolls sideways when the screen is narrower than it. The scrolling box is focusable and named,
 * so a keyboard can scroll it and a screen reader says what it holds (named apart from the section around it).
 */
export function ScrollBox({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must be reachable by keyboard (WCAG 2.1.1)
    <section class="table-box" aria-label={`${label} (scrolls)`} tabIndex={0}>
      {children}
    </section>
  );
}

/** A table in its ScrollBox: a header cell per column (null: a column this person does not see), then the rows. */
export function Table({ label, columns, children }: { label: string; columns: readonly (string | null)[]; children: ComponentChildren }) {
  return (
    <ScrollBox label={label}>
      <table>
        <thead>
          <tr>
            {columns.map((c, i) =>
              c === null ? null : (
                // Columns have no id but their place, which does not change while the table is shown.
                <th key={i} scope="col">
                  {c}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </ScrollBox>
  );
}

export function When({ iso, empty = "never" }: { iso: string | null | undefined; empty?: string }) {
  if (iso === null || iso === undefined) return <span class="muted">{empty}</span>;
  const d = new Date(iso);
  return (
    <time dateTime={iso} title={iso}>
      {Number.isNaN(d.getTime()) ? iso : d.toLocaleString()}
    </time>
  );
}

export function Digest({ value }: { value: string | null }) {
  if (value === null) return <span class="muted">unknown</span>;
  return (
    <code class="digest" title={value}>
      {value.length > 16 ? `${value.slice(0, 12)}…` : value}
    </code>
  );
}

/** A state, verdict or severity as a word in a tinted box; the word carries the meaning, the colour only helps. */
export function Badge({ value }: { value: string }) {
  return <span class={`badge badge-${value.replace(/[^a-z-]/g, "")}`}>{value}</span>;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** A dialog form's buttons: its submit (primary, or danger for what cannot be taken back) and Cancel. */
export function FormActions({
  tone,
  onCancel,
  cancelLabel = "Cancel",
  children,
}: {
  tone: "primary" | "danger";
  onCancel: () => void;
  cancelLabel?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="dialog-actions">
      <button type="submit" class={tone}>
        {children}
      </button>
      <button type="button" class="secondary" onClick={onCancel}>
        {cancelLabel}
      </button>
    </div>
  );
}

/** A value shown by the field's name: a definition list row. */
export function Field({ name, children }: { name: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{name}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Runs an action, reporting what it did or the server's refusal; busy while it runs. */
export function useAction(): {
  notice: Notice | undefined;
  busy: boolean;
  run: (action: () => Promise<string>) => Promise<boolean>;
  setNotice: (n: Notice | undefined) => void;
} {
  const [notice, setNotice] = useState<Notice | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (action: () => Promise<string>) => {
    setBusy(true);
    setNotice(undefined);
    try {
      setNotice({ kind: "ok", text: await action() });
      return true;
    } catch (err) {
      setNotice({ kind: "error", text: messageOf(err) });
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { notice, busy, run, setNotice };
}
