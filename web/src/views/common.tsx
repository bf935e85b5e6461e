// Small building blocks shared by the views.
import { Fragment, useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { deskRegion, formatPhone } from "../lib/phone";
import { messageOf } from "../lib/problems";

/** A modal dialog (native <dialog>: focus stays inside, Escape closes it). */
export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const id = `modal-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <dialog ref={ref} aria-labelledby={id} onClose={onClose} onCancel={onClose}>
      <header className="modal-header">
        <h2 id={id}>{title}</h2>
        <button type="button" className="plain" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {children}
    </dialog>
  );
}

/** Data loaded from the API, reloaded when a key changes. */
export function useLoaded<T>(load: () => Promise<T>, keys: unknown[]): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load()
      .then((value) => live && (setData(value), setError(null)))
      .catch((failure: unknown) => live && setError(messageOf(failure)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...keys, round]);
  return { data, error, reload: () => setRound((r) => r + 1) };
}

export function ErrorText({ error }: { error: string | null }) {
  return error ? (
    <p role="alert" className="error">
      {error}
    </p>
  ) : null;
}

/** A value that settles after the user stops typing. */
export function useDebounced<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function useNow(intervalMs = 250): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Configuration read once per page (it changes only when the configuration is applied). */
const configuration = new Map<string, Promise<unknown>>();

function useConfiguration<T>(key: string, load: () => Promise<T[]>): T[] {
  const [list, setList] = useState<T[]>([]);
  useEffect(() => {
    let pending = configuration.get(key) as Promise<T[]> | undefined;
    if (!pending) {
      pending = load().catch((failure: unknown) => {
        configuration.delete(key);
        throw failure;
      });
      configuration.set(key, pending);
    }
    let live = true;
    pending.then((found) => live && setList(found)).catch(() => undefined);
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return list;
}

/** The callback services. */
export function useServices(): Schemas["AgentServiceRead"][] {
  return useConfiguration("services", () => unwrap(api.GET("/api/v1/workspace/services")));
}

/** The disposition codes, as a tree. */
export function useDispositionTree(): Schemas["DispositionNode"][] {
  return useConfiguration("dispositions", () => unwrap(api.GET("/api/v1/workspace/dispositions")));
}

/** The configured Not Ready reasons. */
export function useNotReadyReasons(): { code: string; label: string }[] {
  return useConfiguration("not-ready-reasons", () => unwrap(api.GET("/api/v1/workspace/not-ready-reasons")));
}

/** Formats phone numbers for people: national format in the region of `service` (the callback's
 * service), or of every service when none is given and they share one; international otherwise. */
export function usePhoneFormat(service?: string): (number: string) => string {
  const phones = usePhones();
  return useCallback((number: string) => phones(number, service), [phones, service]);
}

/** The same, for lists whose rows belong to different services. */
export function usePhones(): (number: string, service?: string) => string {
  const services = useServices();
  return useCallback(
    (number: string, service?: string) => {
      const region = service === undefined ? deskRegion(services) : (services.find((s) => s.name === service)?.default_region ?? null);
      return formatPhone(number, region);
    },
    [services],
  );
}

/** A formatted number that wraps only between its groups: "(212) 555-0142" may break at the
 * space, never after the hyphen. */
export function PhoneText({ text }: { text: string }) {
  return (
    <span className="phone">
      {text.split(" ").map((group, n) => (
        <Fragment key={n}>
          {n > 0 && " "}
          <span className="nowrap">{group}</span>
        </Fragment>
      ))}
    </span>
  );
}

/** A Ctrl+Alt shortcut for the desk: not while a key repeats, a dialog is open, or the agent
 * types (AltGr is Ctrl+Alt on many layouts). */
export function deskShortcut(event: KeyboardEvent): string | null {
  if (!(event.ctrlKey && event.altKey) || event.repeat || event.isComposing) return null;
  if (document.querySelector("dialog[open]")) return null;
  const target = event.target as HTMLElement | null;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return null;
  return event.key.toLowerCase();
}
