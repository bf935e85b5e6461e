// My History: the interactions I marked done.
import { api, unwrap } from "../api/client";
import { CALL_STATUS, CALLBACK_STATE, CHANNELS, dispositionName, label } from "../lib/labels";
import { ErrorText, useDispositionTree, useLoaded, usePhones } from "./common";

export function MyHistory() {
  const history = useLoaded(() => unwrap(api.GET("/api/v1/workspace/interactions/history")), []);
  const phone = usePhones();
  const tree = useDispositionTree();
  return (
    <div>
      <button type="button" className="plain" onClick={history.reload}>
        Refresh
      </button>
      <ErrorText error={history.error} />
      {history.data?.length === 0 && <p className="hint">Nothing handled yet.</p>}
      <table aria-label="My History">
        <thead>
          <tr>
            <th scope="col">Ended</th>
            <th scope="col">Customer</th>
            <th scope="col">Channel</th>
            <th scope="col">Disposition</th>
            <th scope="col">Callback</th>
          </tr>
        </thead>
        <tbody>
          {(history.data ?? []).map((i) => (
            <tr key={i.id}>
              <td>{i.ended_at ? new Date(i.ended_at).toLocaleString() : ""}</td>
              <td>{i.callback.name || phone(i.callback.phone, i.callback.service)}</td>
              <td>{label(CHANNELS, i.channel)}</td>
              <td>{i.disposition ? dispositionName(tree, i.disposition) : "—"}</td>
              <td>
                {label(CALL_STATUS, i.state)} · {label(CALLBACK_STATE, i.callback.state)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
