// The Dispositions view: the code tree, one code per interaction.
import { useEffect, useRef, useState } from "react";
import { api, unwrap, type DispositionNode, type Interaction } from "../api/client";
import { dispositionName, dispositionNeeded } from "../lib/labels";
import type { Act } from "./Desk";
import { useDispositionTree, useServices } from "./common";

export function Dispositions({ interaction: i, act, busy }: { interaction: Interaction; act: Act; busy: boolean }) {
  const tree = useDispositionTree();
  const allowed = useServices().find((s) => s.name === i.callback.service)?.dispositions;
  const done = i.channel === "webcallback" && i.state === "preview" ? "Done" : "Mark Done";
  const roots = tree.filter((node) => !allowed || allowed.length === 0 || allowed.includes(node.code));

  // Shown as chosen at once; the server's answer (or refusal) settles it. The desk sends one
  // request at a time, so a choice made while another action is on its way (End Call just
  // clicked) is sent once that one is answered, not dropped.
  const [pending, setPending] = useState<string | null>(null);
  const sending = useRef<string | null>(null);
  const chosen = pending ?? i.disposition;

  useEffect(() => {
    if (pending === null || busy || sending.current === pending) return;
    const code = pending;
    sending.current = code;
    void act(() => unwrap(api.PUT("/api/v1/workspace/interactions/{interaction_id}/disposition", { params: { path: { interaction_id: i.id } }, body: { code } }))).then(() => {
      if (sending.current === code) sending.current = null;
      setPending((now) => (now === code ? null : now));
    });
  }, [pending, busy, act, i.id]);

  function render(nodes: DispositionNode[], depth: number) {
    return nodes.map((node) => (
      <div key={node.code} style={{ marginInlineStart: `${depth}rem` }}>
        <label>
          <input type="radio" name={`disposition-${i.id}`} value={node.code} checked={chosen === node.code} onChange={() => setPending(node.code)} />
          {node.label}
        </label>
        {node.children.length > 0 && render(node.children, depth + 1)}
      </div>
    ));
  }

  return (
    <section className="panel" aria-label="Dispositions">
      <fieldset>
        <legend>
          <h3>Dispositions</h3>
        </legend>
        <p className="hint">{i.disposition ? `Chosen: ${dispositionName(tree, i.disposition)}.` : i.disposition_required ? `${dispositionNeeded(done)}.` : "Optional."}</p>
        {render(roots, 0)}
      </fieldset>
    </section>
  );
}
