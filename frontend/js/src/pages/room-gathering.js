// The evaluation room page's gathering panel: the members and their progress (signed in,
// declared, voted, the leader), a member's own sign-in, declaration and vote, the leader's
// start of the review, and the staff's pause and resume. Everything is drawn from the
// snapshot (snap.members, snap.gathering, snap.you); the server decides and refuses.
// render(snap, act) returns the panel's element (see room-page.js for the contract).
import { gettext, interpolate, ngettext } from "../i18n.js";
import { beijingTime } from "../formats.js";
import { askToConfirm } from "../confirm.js";

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.includes("-")) el.setAttribute(k, v);
    else el[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

// Kept across renders: what a person is typing survives the next snapshot.
const kept = {};
function area(key, attrs) {
  if (!kept[key]) kept[key] = h("textarea", { rows: 2, maxLength: 2000, ...attrs });
  return kept[key];
}
let chosenCandidate = "";

const nameOf = (snap, id) => snap.members.find((m) => m.id === id)?.name ?? String(id ?? "");

/** One member's row: who, signed in, declared, vote, leader. */
function memberRow(snap, m, votes, index) {
  const replacement = snap.members.find((r) => r.replaces === m.id);
  let declaration;
  if (m.recused) {
    declaration = h("span", { class: "errors" }, gettext("Recused: declared a conflict"),
      " · ", replacement ? interpolate(gettext("replaced by %(name)s"), { name: replacement.name })
        : gettext("a replacement is being drawn"));
  } else if (m.declared) {
    declaration = interpolate(gettext("No conflict, %(at)s"), { at: beijingTime(m.declared) });
  } else {
    declaration = h("span", { class: "muted" }, gettext("Not yet"));
  }
  const received = votes[String(m.id)] ?? 0;
  return h("tr", { "data-member": m.id, class: m.recused ? "recused" : m.id === snap.you.member_id ? "me" : "" },
    h("td", {}, index + 1),
    h("td", {}, m.name, m.id === snap.you.member_id ? h("span", { class: "muted" }, ` (${gettext("you")})`) : null,
      m.leader ? h("strong", { class: "leader-badge" }, ` ${gettext("Leader")}`) : null,
      !m.confirmed && !m.recused ? h("div", { class: "muted" }, gettext("Invitation not yet confirmed")) : null),
    h("td", { class: "signed-in" }, m.signed_in ? beijingTime(m.signed_in) : h("span", { class: "muted" }, gettext("Not yet"))),
    h("td", { class: "declaration" }, declaration),
    h("td", { class: "voted" }, m.recused ? "" : m.voted ? `${gettext("Voted")} ✓` : h("span", { class: "muted" }, gettext("Not yet")),
      received ? h("div", { class: "votes-received" }, interpolate(ngettext("%(n)s vote received", "%(n)s votes received", received), { n: received })) : null));
}

function progress(snap) {
  const g = snap.gathering;
  const leader = snap.members.find((m) => m.leader);
  return h("p", { class: "gathering-progress" },
    interpolate(gettext("Signed in: %(signed)s of %(seated)s; declared: %(declared)s of %(seated)s; committee of %(size)s."),
      { signed: g.signed_in, declared: g.declared, seated: g.seated, size: g.committee_size }),
    " ",
    leader ? interpolate(gettext("Leader: %(name)s."), { name: leader.name })
      : interpolate(gettext("No leader yet: %(n)s votes elect one."), { n: g.majority }));
}

function memberControls(snap, act) {
  const mine = snap.gathering.mine;
  const box = h("div", { class: "member-controls" });
  if (!mine || mine.recused || snap.state !== "gathering") return null;
  if (!mine.confirmed) {
    const url = document.getElementById("room-app")?.dataset.invitationsUrl ?? "/invitations/";
    box.append(h("p", {}, gettext("Confirm your invitation first; then sign in here."), " ",
      h("a", { href: url }, gettext("My evaluation invitations"))));
    return box;
  }
  if (!mine.signed_in) {
    box.append(h("p", { class: "muted" }, gettext("Sign in: the platform checks that you are the expert the draw seated.")),
      h("div", { class: "actions" }, h("button", { type: "button", id: "room-sign-in", onclick: () => act("sign_in", {}, gettext("Sign in")) }, gettext("Sign in"))));
    return box;
  }
  if (!mine.declared) {
    const bidders = snap.bids.map((b) => b.bidder);
    const detail = area("conflict", { id: "conflict-detail" });
    box.append(h("fieldset", { class: "declaration-form" },
      h("legend", {}, gettext("Declaration of interests")),
      h("p", {}, gettext("The opened bidders:")),
      h("ul", { class: "bidder-list" }, bidders.map((name) => h("li", {}, name))),
      h("div", { class: "actions" }, h("button", { type: "button", id: "declare-no-conflict", onclick: async () => {
        const yes = await askToConfirm({ title: gettext("Declare no conflict?"),
          detail: interpolate(gettext("You declare that you have no interest in any of these bidders that would keep you from evaluating this lot (%(law)s). A declaration is not changed afterwards."),
            { law: "《招标投标法实施条例》第四十六条" }),
          action: gettext("I declare no conflict") });
        if (yes) act("declare_no_conflict", {}, gettext("Declaration"));
      } }, gettext("I have no conflict with any of these bidders"))),
      h("details", { class: "conflict" }, h("summary", {}, gettext("I have a conflict with a bidder")),
        h("div", { class: "field" }, h("label", { htmlFor: "conflict-detail" }, gettext("With which bidder, and how")), detail),
        h("button", { type: "button", id: "declare-conflict", class: "secondary", onclick: async () => {
          const text = detail.value.trim();
          if (!text) return act("declare_conflict", { detail: "" }, gettext("Declaration"));
          const yes = await askToConfirm({ title: gettext("Declare a conflict and withdraw?"),
            detail: gettext("You withdraw from this committee; another expert is drawn at random in your place. This cannot be undone."),
            action: gettext("Declare the conflict") });
          if (yes && (await act("declare_conflict", { detail: text }, gettext("Declaration"))).type === "ok") detail.value = "";
        } }, gettext("Declare the conflict and withdraw")))));
    return box;
  }
  if (!snap.leader) {
    const eligible = snap.members.filter((m) => !m.recused && m.signed_in && m.declared);
    const select = h("select", { id: "leader-candidate", onchange: (e) => {
      chosenCandidate = e.target.value;
      document.getElementById("cast-vote").disabled = !chosenCandidate;
    } },
      h("option", { value: "" }, gettext("Choose a member")),
      eligible.map((m) => h("option", { value: String(m.id), selected: String(m.id) === chosenCandidate }, m.name)));
    box.append(h("fieldset", { class: "vote-form" },
      h("legend", {}, gettext("Elect the committee's leader")),
      h("p", { class: "muted" }, interpolate(gettext("Vote for a member who has signed in and declared. The first to have %(n)s votes (a majority of the %(seated)s members) is the leader; until then you may change your vote."),
        { n: snap.gathering.majority, seated: snap.gathering.seated })),
      mine.vote ? h("p", { class: "my-vote" }, interpolate(gettext("You vote for %(name)s."), { name: nameOf(snap, mine.vote) })) : null,
      h("div", { class: "field" }, h("label", { htmlFor: "leader-candidate" }, gettext("Your vote")), select),
      h("button", { type: "button", id: "cast-vote", disabled: !eligible.some((m) => String(m.id) === chosenCandidate), onclick: () => {
        if (select.value) act("vote_leader", { candidate_id: Number(select.value) }, gettext("Vote"));
      } }, mine.vote ? gettext("Change my vote") : gettext("Vote"))));
  }
  if (snap.you.leader) {
    const ready = snap.gathering.ready_to_start;
    box.append(h("div", { class: "leader-controls" },
      h("p", {}, ready ? gettext("Every member has signed in and declared: you may start the review.")
        : gettext("The review starts once every member has signed in and declared and the committee is complete.")),
      h("button", { type: "button", id: "start-review", disabled: !ready, onclick: async () => {
        const yes = await askToConfirm({ title: gettext("Start the review?"),
          detail: gettext("The committee goes on to the qualification and responsiveness review. Declarations and the leader's election are closed. This cannot be undone."),
          action: gettext("Start the review") });
        if (yes) act("start_review", {}, gettext("Start the review"));
      } }, gettext("Start the review"))));
  }
  return box.childNodes.length ? box : null;
}

function staffControls(snap, act) {
  if (snap.you.role !== "staff" || snap.state === "final") return null;
  if (snap.paused) {
    return h("div", { class: "staff-controls" },
      h("button", { type: "button", id: "room-resume", onclick: () => act("resume_room", {}, gettext("Resume the room")) }, gettext("Resume the room")));
  }
  const reason = area("pause", { id: "pause-reason" });
  return h("fieldset", { class: "staff-controls" },
    h("legend", {}, gettext("Pause the room")),
    h("p", { class: "muted" }, gettext("While the room is paused no member's step is taken; everyone in the room reads your reason, and it is kept in the record.")),
    h("div", { class: "field" }, h("label", { htmlFor: "pause-reason" }, gettext("Why the room is paused")), reason),
    h("button", { type: "button", id: "room-pause", class: "secondary", onclick: async () => {
      if ((await act("pause_room", { reason: reason.value.trim() }, gettext("Pause the room"))).type === "ok") reason.value = "";
    } }, gettext("Pause the room")));
}

export function render(snap, act) {
  if (!snap.gathering || !snap.members) return null;
  const votes = snap.gathering.votes ?? {};
  return h("div", { class: "card gathering" },
    h("h2", {}, snap.state === "gathering" ? gettext("Gathering: sign-in, declarations, the leader") : gettext("The committee")),
    progress(snap),
    h("div", { class: "table-wrap" }, h("table", { class: "room-members" },
      h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, gettext("Member")), h("th", {}, gettext("Signed in")),
        h("th", {}, gettext("Declaration")), h("th", {}, gettext("Leader vote")))),
      h("tbody", {}, snap.members.map((m, index) => memberRow(snap, m, votes, index))))),
    memberControls(snap, act),
    staffControls(snap, act));
}

// What a gathering event says beyond its name, for the room's record (the page's log).
export function describe(ev, snap) {
  const d = ev.data ?? {};
  switch (ev.kind) {
    case "signed_in": return d.expert ?? "";
    case "declared": return interpolate(gettext("%(name)s, no conflict with %(bidders)s"), { name: d.expert, bidders: (d.bidders ?? []).join(gettext(", ")) });
    case "recused": return interpolate(gettext("%(name)s: %(reason)s"), { name: d.expert, reason: d.reason ?? "" });
    case "member_replaced": return d.replacement_name
      ? interpolate(gettext("%(replacement)s in place of %(name)s"), { replacement: d.replacement_name, name: d.expert })
      : d.shortage ?? "";
    case "leader_vote": return interpolate(gettext("%(name)s votes for %(candidate)s (%(n)s)"), { name: d.expert, candidate: d.candidate_expert, n: d.votes });
    case "leader_elected": return interpolate(gettext("%(name)s, %(n)s votes of %(seated)s"), { name: d.expert, n: d.votes, seated: d.seated });
    case "paused": return d.reason ?? "";
    case "resumed": return interpolate(gettext("paused since %(at)s"), { at: beijingTime(d.paused_at) });
    case "review_started": return d.expert ?? "";
    default: return "";
  }
}
