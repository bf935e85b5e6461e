// Team Communicator: find agents, queues, routing points and contacts; favorites and recents.
import { useState } from "react";
import { api, unwrap, type Target } from "../api/client";
import { agentStatusLine } from "../lib/labels";
import { messageOf } from "../lib/problems";
import { ErrorText, PhoneText, useDebounced, useLoaded, useNotReadyReasons, usePhoneFormat } from "./common";

const KIND_LABEL: Record<string, string> = { agent: "Agent", queue: "Queue", "routing-point": "Routing point", contact: "Contact", favorite: "Favorite", recent: "Recent" };

// `refresh`: a value that changes when favorites or recents may have changed elsewhere (a transfer,
// conference or consultation picked in a call's dialog), so the lists shown with no query are read again.
export function TeamCommunicator({ onPick, pickLabel, refresh }: { onPick?: (target: string) => void; pickLabel?: string; refresh?: unknown }) {
  const [query, setQuery] = useState("");
  const [error, setError] = useState<string | null>(null);
  const phone = usePhoneFormat();
  const reasons = useNotReadyReasons();
  const settled = useDebounced(query.trim());
  const found = useLoaded(
    () => (settled ? unwrap(api.GET("/api/v1/workspace/team-communicator", { params: { query: { q: settled } } })) : Promise.resolve([] as Target[])),
    [settled],
  );
  const favorites = useLoaded(() => unwrap(api.GET("/api/v1/workspace/team-communicator/favorites")), [refresh]);
  const recents = useLoaded(() => unwrap(api.GET("/api/v1/workspace/team-communicator/recents")), [refresh]);
  const favoriteTargets = new Set((favorites.data ?? []).map((f) => f.target));

  async function toggleFavorite(target: string, label: string) {
    setError(null);
    try {
      if (favoriteTargets.has(target)) await unwrap(api.DELETE("/api/v1/workspace/team-communicator/favorites", { params: { query: { target } } }));
      else await unwrap(api.PUT("/api/v1/workspace/team-communicator/favorites", { body: { target, label } }));
      favorites.reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  const rows: Target[] = settled
    ? (found.data ?? [])
    : [
        ...(favorites.data ?? []).map((f) => ({ kind: "favorite", target: f.target, label: f.label, detail: "", statuses: [] })),
        ...(recents.data ?? []).filter((r) => !favoriteTargets.has(r.target)).map((r) => ({ kind: "recent", target: r.target, label: r.label, detail: "", statuses: [] })),
      ];

  return (
    <div className="team-communicator">
      <label>
        Search agents, queues, routing points, contacts
        <input type="search" aria-label="Team Communicator search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Name, number, e-mail…" autoFocus={!!onPick} />
      </label>
      <ErrorText error={error ?? found.error} />
      {!settled && rows.length === 0 && <p className="hint">Type to search. Your favorites and recent targets appear here.</p>}
      {settled && found.data && rows.length === 0 && <p className="hint">Nothing matches “{settled}”.</p>}
      <ul className="targets" aria-label={settled ? "Search results" : "Favorites and recents"}>
        {rows.map((row) => (
          <li key={`${row.kind}-${row.target}`}>
            <span className="kind">{KIND_LABEL[row.kind] ?? row.kind}</span>
            <span className="label">{/^\+\d+$/.test(row.label) ? phone(row.label) : row.label}</span>
            {row.kind === "contact" ? (
              <small className="detail">
                <PhoneText text={phone(row.target)} /> ({row.detail})
              </small>
            ) : row.kind === "agent" && row.statuses && row.statuses.length > 0 ? (
              <small className="detail">{agentStatusLine(row.statuses, reasons)}</small>
            ) : (
              row.detail && <small className="detail">{row.detail}</small>
            )}
            <span className="row-actions">
              <button type="button" className="plain" aria-pressed={favoriteTargets.has(row.target)} aria-label={`${favoriteTargets.has(row.target) ? "Remove" : "Add"} ${row.label} ${favoriteTargets.has(row.target) ? "from" : "to"} favorites`} onClick={() => toggleFavorite(row.target, row.label)}>
                {favoriteTargets.has(row.target) ? "★" : "☆"}
              </button>
              {onPick && (
                <button type="button" aria-label={`${pickLabel ?? "Choose"} ${row.label}`} onClick={() => onPick(row.target)}>
                  {pickLabel ?? "Choose"}
                </button>
              )}
            </span>
          </li>
        ))}
      </ul>
      {onPick && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (query.trim()) onPick(query.trim());
          }}
        >
          <button type="submit" disabled={!/[0-9]{3,}/.test(query)}>
            {pickLabel ?? "Choose"} the number typed
          </button>
        </form>
      )}
    </div>
  );
}
