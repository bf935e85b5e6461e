// The Contact Directory: search, view, edit, history; and a contact card inside an interaction.
import { useState, type FormEvent } from "react";
import { api, unwrap, type Contact } from "../api/client";
import { messageOf } from "../lib/problems";
import { ErrorText, PhoneText, useDebounced, useLoaded, usePhoneFormat } from "./common";

export function ContactDirectory() {
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const settled = useDebounced(query.trim());
  const found = useLoaded(() => unwrap(api.GET("/api/v1/workspace/contacts", { params: { query: { q: settled, limit: 20 } } })), [settled]);
  const phone = usePhoneFormat();
  if (open) {
    return (
      <div>
        <button type="button" className="plain" onClick={() => setOpen(null)}>
          ← Back to the directory
        </button>
        <ContactCard contactId={open} title="Contact" editable withHistory />
      </div>
    );
  }
  return (
    <div className="contacts">
      <label>
        Search contacts
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Name, number or e-mail" />
      </label>
      <ErrorText error={found.error} />
      <ul className="contact-list" aria-label="Contacts">
        {(found.data?.items ?? []).map((contact) => (
          <li key={contact.id}>
            <button type="button" className="plain" onClick={() => setOpen(contact.id)}>
              {contact.display_name}
            </button>
            <small>{[...contact.phones.map((p) => phone(p.number)), ...contact.emails.map((e) => e.address)].join(" · ")}</small>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** `service`: the callback's, whose region formats the numbers (else the desk's). */
export function ContactCard({
  contactId,
  title,
  service,
  editable = false,
  withHistory = false,
  known,
}: {
  contactId: string;
  title: string;
  service?: string;
  editable?: boolean;
  withHistory?: boolean;
  /** What the screen already shows (an interaction's customer): left out here. */
  known?: { name?: string | null; phone: string };
}) {
  const phone = usePhoneFormat(service);
  const contact = useLoaded(() => unwrap(api.GET("/api/v1/workspace/contacts/{contact_id}", { params: { path: { contact_id: contactId } } })), [contactId]);
  const history = useLoaded(
    () => (withHistory ? unwrap(api.GET("/api/v1/workspace/contacts/{contact_id}/history", { params: { path: { contact_id: contactId } } })) : Promise.resolve([])),
    [contactId, withHistory, contact.data?.updated_at],
  );
  const [editing, setEditing] = useState(false);
  const c = contact.data;
  return (
    <section className="panel" aria-label={title}>
      <h3>{title}</h3>
      <ErrorText error={contact.error} />
      {c && !editing && (
        <>
          {c.display_name !== known?.name && <p className="contact-name">{c.display_name}</p>}
          {known && c.phones.every((p) => p.number === known.phone) && c.emails.length === 0 && <p className="hint">No other number or e-mail in the Contact Directory.</p>}
          <dl className="fields">
            {c.phones.filter((p) => p.number !== known?.phone).map((p) => (
              <div key={p.number}>
                <dt>Phone{p.label ? ` (${p.label})` : ""}</dt>
                <dd>
                  <PhoneText text={phone(p.number)} />
                </dd>
              </div>
            ))}
            {c.emails.map((e) => (
              <div key={e.address}>
                <dt>E-mail{e.label ? ` (${e.label})` : ""}</dt>
                <dd>{e.address}</dd>
              </div>
            ))}
          </dl>
          {editable && (
            <button type="button" onClick={() => setEditing(true)}>
              Edit contact
            </button>
          )}
        </>
      )}
      {c && editing && (
        <ContactEditor
          contact={c}
          onDone={(saved) => {
            setEditing(false);
            if (saved) contact.reload();
          }}
        />
      )}
      {withHistory && (
        <>
          <h4>History</h4>
          <ol className="history" aria-label="Contact history">
            {(history.data ?? []).map((entry) => (
              <li key={entry.id}>
                <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time> <span className="actor">{entry.agent_login ?? ""}</span> {entry.kind}: {entry.text}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function ContactEditor({ contact, onDone }: { contact: Contact; onDone: (saved: boolean) => void }) {
  const [first, setFirst] = useState(contact.first_name);
  const [last, setLast] = useState(contact.last_name);
  const [phones, setPhones] = useState(contact.phones.map((p) => p.number).join("\n"));
  const [emails, setEmails] = useState(contact.emails.map((e) => e.address).join("\n"));
  const [error, setError] = useState<string | null>(null);
  const lines = (text: string) =>
    text
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const keepLabel = <T extends { label: string }>(items: T[], key: (item: T) => string, value: string) => items.find((item) => key(item) === value)?.label ?? "";
    try {
      await unwrap(
        api.PUT("/api/v1/workspace/contacts/{contact_id}", {
          params: { path: { contact_id: contact.id } },
          body: {
            first_name: first,
            last_name: last,
            phones: lines(phones).map((number) => ({ number, label: keepLabel(contact.phones, (p) => p.number, number) })),
            emails: lines(emails).map((address) => ({ address, label: keepLabel(contact.emails, (e) => e.address, address) })),
          },
        }),
      );
      onDone(true);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  return (
    <form onSubmit={save} className="contact-editor">
      <label>
        First name
        <input value={first} onChange={(e) => setFirst(e.target.value)} />
      </label>
      <label>
        Last name
        <input value={last} onChange={(e) => setLast(e.target.value)} />
      </label>
      <label>
        Phone numbers (one per line)
        <textarea rows={2} value={phones} onChange={(e) => setPhones(e.target.value)} />
      </label>
      <label>
        E-mail addresses (one per line)
        <textarea rows={2} value={emails} onChange={(e) => setEmails(e.target.value)} />
      </label>
      <ErrorText error={error} />
      <button type="submit" className="primary">
        Save contact
      </button>
      <button type="button" onClick={() => onDone(false)}>
        Cancel
      </button>
    </form>
  );
}
