// Standard responses: categories, search, and the text with its fields filled in.
import { useState } from "react";
import { api, unwrap, type Interaction } from "../api/client";
import { insertText } from "../lib/insert";
import { ErrorText, useDebounced, useLoaded } from "./common";

export function ResponsesView({ interaction }: { interaction: Interaction | null }) {
  const service = interaction?.callback.service;
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  const settled = useDebounced(query.trim());
  const categories = useLoaded(() => unwrap(api.GET("/api/v1/workspace/responses/categories", { params: { query: service ? { service } : {} } })), [service]);
  const list = useLoaded(
    () => unwrap(api.GET("/api/v1/workspace/responses", { params: { query: { q: settled || undefined, category: category || undefined, service } } })),
    [settled, category, service],
  );
  const rendered = useLoaded(
    () => (open ? unwrap(api.GET("/api/v1/workspace/responses/{code}", { params: { path: { code: open }, query: interaction ? { interaction: interaction.id } : {} } })) : Promise.resolve(null)),
    [open, interaction?.id],
  );

  async function copy(text: string) {
    try {
      await navigator.clipboard.writeText(text);
      setSaid("Copied to the clipboard.");
    } catch {
      setSaid("The browser refused the clipboard: select the text and copy it.");
    }
  }

  return (
    <div className="responses">
      <label>
        Search responses
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
      </label>
      <label>
        Category
        <select value={category} onChange={(e) => setCategory(e.target.value)}>
          <option value="">All categories</option>
          {(categories.data ?? []).map((c) => (
            <option key={c.name} value={c.name}>
              {c.name} ({c.responses})
            </option>
          ))}
        </select>
      </label>
      <ErrorText error={list.error ?? rendered.error} />
      {list.data && <ResponsesNote items={list.data.items} interaction={interaction} searched={Boolean(settled || category)} />}
      <ul className="response-list" aria-label="Standard responses">
        {(list.data?.items ?? []).map((r) => (
          <li key={r.code}>
            <button type="button" className="plain" aria-expanded={open === r.code} onClick={() => (setSaid(null), setOpen(open === r.code ? null : r.code))}>
              {r.title}
            </button>
            <small>
              {r.category}
              {service && r.services.length === 0 ? " · general" : ""}
            </small>
            {open === r.code && rendered.data && (
              <div className="response-text">
                <pre aria-label={`Text of ${r.title}`}>{rendered.data.rendered}</pre>
                <button type="button" onClick={() => copy(rendered.data?.rendered ?? "")}>
                  Copy
                </button>
                <button type="button" onClick={() => setSaid(insertText(rendered.data?.rendered ?? "") ? "Inserted." : "Click into a note or an e-mail first, then Insert.")}>
                  Insert
                </button>
                {said && <p role="status">{said}</p>}
              </div>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What the list holds when it is not what the agent might expect: the service has no responses
 * of its own (the general ones are offered), or nothing at all matches. */
function ResponsesNote({ items, interaction, searched }: { items: { services: string[] }[]; interaction: Interaction | null; searched: boolean }) {
  if (items.length === 0) {
    return <p className="hint">{searched ? "No response matches this search." : interaction ? `There are no standard responses for ${interaction.service_name}, nor general ones.` : "There are no standard responses yet."}</p>;
  }
  if (!interaction || searched) return null;
  const own = items.some((r) => r.services.includes(interaction.callback.service));
  if (own) return null;
  return (
    <p className="hint" role="note">
      {interaction.service_name} has no responses of its own. These general responses are offered on every service.
    </p>
  );
}
