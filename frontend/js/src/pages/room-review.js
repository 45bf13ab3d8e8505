// The evaluation room page's review panel: each member's pass or fail on every check of every
// opened bid (a reason for each fail), the progress of all, the submission; the leader's return
// and start of the scoring; the conclusion table once every member has submitted; the questions
// to bidders and their answers; the link to the bid files.
// render(snap, act) returns the panel's element, or null when it has nothing to show now:
//   snap: the room's current snapshot (snap.review is this part's piece, room-review-model.js);
//   act(command, fields): sends a command; a Promise of the server's answer ({type:"ok"} or
//         {type:"error", message}); the page shows refusals itself.
// The page renders every panel again after each event: what a member is typing (a reason, a
// question) is kept here between renders, and the focus is put back where it was.
import { askToConfirm } from "../confirm.js";
import { beijingTime, yuanText } from "../formats.js";
import { gettext, interpolate, ngettext } from "../i18n.js";
import { reviewModel } from "./room-review-model.js";

const drafts = new Map(); // data-draft key -> text typed and not yet sent
const choices = new Map(); // "bid:check" -> "fail" chosen, its reason not yet sent

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k.includes("-")) el.setAttribute(k, v);
    else el[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const when = (at) => beijingTime(at);
const forGood = (consequence) => interpolate(gettext("%(consequence)s This cannot be undone."), { consequence });
const KINDS = () => ({ qualification: gettext("Qualification"), responsiveness: gettext("Responsiveness") });

/** A text box whose typing survives the panel's next render. */
function draftBox(key, attrs = {}) {
  const box = h("textarea", { rows: 2, ...attrs, "data-draft": key });
  box.value = drafts.get(key) ?? attrs.value ?? "";
  box.addEventListener("input", () => drafts.set(key, box.value));
  return box;
}

/** A choice whose value survives the panel's next render. */
function draftSelect(key, attrs, options) {
  const select = h("select", { ...attrs, "data-draft": key }, options);
  if (drafts.has(key) && options.some((o) => o.value === drafts.get(key))) select.value = drafts.get(key);
  select.addEventListener("change", () => drafts.set(key, select.value));
  return select;
}

function keepFocus() {
  const active = document.activeElement;
  const key = active?.dataset?.draft ?? active?.dataset?.focus;
  if (!key) return;
  const [start, end] = [active.selectionStart, active.selectionEnd];
  setTimeout(() => {
    const again = document.querySelector(`[data-draft="${CSS.escape(key)}"], [data-focus="${CSS.escape(key)}"]`);
    if (!again || again === active) return;
    again.focus();
    if (typeof start === "number" && again.setSelectionRange) again.setSelectionRange(start, end);
  }, 0);
}

async function sent(promise, onOk) {
  const answer = await promise;
  if (answer?.type === "ok" && onOk) onOk();
  return answer;
}

// --- a member's own verdicts ---------------------------------------------------------------

function verdictCell(m, bid, check, act) {
  const key = `${bid.id}:${check.id}`;
  const saved = m.verdict(bid.id, check.id);
  const chosen = choices.get(key) ?? saved?.verdict ?? "";
  const reasonKey = `reason:${key}`;
  const name = `verdict-${key}`;
  const cell = h("div", { class: "verdict", "data-bid": bid.id, "data-check": check.id });
  const radio = (value, label) => h("label", {},
    h("input", { type: "radio", name, value, checked: chosen === value, disabled: !m.canRecord, "data-focus": `${name}:${value}`,
      onchange: () => {
        if (value === "pass") {
          choices.delete(key);
          sent(act("record_verdict", { bid_id: bid.id, check_id: check.id, verdict: "pass", reason: "" }, gettext("Record a check")));
        } else {
          choices.set(key, "fail");
          cell.querySelector("textarea")?.removeAttribute("hidden");
          cell.querySelector("button")?.removeAttribute("hidden");
          cell.querySelector("textarea")?.focus();
        }
      } }), label);
  cell.append(radio("pass", gettext("Pass")), radio("fail", gettext("Fail")));
  if (!m.canRecord) {
    if (saved?.verdict === "fail") cell.append(h("span", { class: "fail" }, saved.reason));
    return cell;
  }
  const box = draftBox(reasonKey, { value: saved?.verdict === "fail" ? saved.reason : "", hidden: chosen !== "fail",
    placeholder: gettext("Why the bid fails this check (kept in the report)"), "aria-label": gettext("Why it fails"),
    maxLength: 2000 });
  const button = h("button", { type: "button", class: "secondary", hidden: chosen !== "fail",
    onclick: () => {
      const reason = box.value.trim();
      if (!reason) {
        box.focus();
        box.setCustomValidity(gettext("Write why the bid fails this check."));
        box.reportValidity();
        return;
      }
      box.setCustomValidity("");
      sent(act("record_verdict", { bid_id: bid.id, check_id: check.id, verdict: "fail", reason }, gettext("Record a check")), () => {
        choices.delete(key);
        drafts.delete(reasonKey);
      });
    } }, saved?.verdict === "fail" ? gettext("Save the reason") : gettext("Record the fail"));
  cell.append(box, button);
  return cell;
}

function myReview(m, act) {
  const section = h("div", { class: "my-review" });
  for (const bid of m.bids) {
    const rows = m.checks.map((check) => h("tr", {},
      h("td", {}, h("strong", {}, check.name), " ", h("span", { class: "muted" }, KINDS()[check.kind] ?? ""),
        check.guidance ? h("div", { class: "muted" }, check.guidance) : null),
      h("td", {}, verdictCell(m, bid, check, act))));
    section.append(h("h3", {}, interpolate(gettext("Bid %(order)s: %(bidder)s"), { order: bid.order, bidder: bid.bidder }),
      bid.price ? h("span", { class: "muted" }, " · ", yuanText(bid.price)) : null),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, gettext("Check")), h("th", {}, gettext("Your verdict")))),
      h("tbody", {}, rows))));
  }
  if (m.mineSubmitted) {
    section.append(h("p", { class: "muted" }, gettext("You have submitted your review. Only the committee leader can return it to you for correction, before the review is concluded.")));
  } else if (m.canRecord) {
    const button = h("button", { type: "button", id: "submit-review", disabled: !m.maySubmit, "data-focus": "submit-review",
      onclick: async () => {
        const yes = await askToConfirm({ title: gettext("Submit your review?"),
          detail: forGood(gettext("Your verdicts go to the committee as they are; you can no longer change them unless the leader returns your review.")),
          action: gettext("Submit the review") });
        if (yes) act("submit_review", {}, gettext("Submit the review"));
      } }, gettext("Submit the review"));
    section.append(h("p", { class: "actions" }, button,
      m.missing ? h("span", { class: "muted" }, interpolate(ngettext("%(n)s check left to record.", "%(n)s checks left to record.", m.missing), { n: m.missing }))
        : h("span", { class: "muted" }, gettext("Every check is recorded."))));
  }
  return section;
}

// --- everyone: progress, the leader's steps, the conclusion ----------------------------------

function progress(m) {
  return h("div", { class: "review-progress" },
    h("p", {}, interpolate(gettext("%(submitted)s of %(seated)s members have submitted the review."), { submitted: m.submitted, seated: m.seated })),
    h("ul", { class: "progress-list" }, m.progress.map((p) => h("li", { class: p.submitted ? "pass" : "", "data-member": p.member, "data-recorded": p.recorded },
      interpolate(gettext("%(name)s: %(recorded)s of %(total)s"), { name: p.you ? interpolate(gettext("%(name)s (you)"), { name: p.name }) : p.name, recorded: p.recorded, total: m.toRecord }),
      p.submitted ? ` · ${gettext("submitted")}` : ""))));
}

function leaderSteps(m, act) {
  const box = h("div", { class: "leader-steps" });
  if (m.returnable.length) {
    const select = draftSelect("return-member", { id: "return-member", "aria-label": gettext("Member") },
      m.returnable.map((p) => h("option", { value: String(p.member) }, p.name)));
    const reason = draftBox("return-reason", { placeholder: gettext("Why it is returned (the member and the record read it)"), "aria-label": gettext("Why it is returned") });
    box.append(h("fieldset", {}, h("legend", {}, gettext("Return a submitted review for correction")), select, reason,
      h("button", { type: "button", id: "return-review", class: "secondary", onclick: () => {
        const text = reason.value.trim();
        if (!text) return reason.focus();
        sent(act("return_review", { member_id: Number(select.value), reason: text }, gettext("Return the review")),
          () => ["return-reason", "return-member"].forEach((key) => drafts.delete(key)));
      } }, gettext("Return the review"))));
  }
  if (m.mayStartScoring) {
    box.append(h("p", { class: "actions" }, h("button", { type: "button", id: "start-scoring", onclick: async () => {
      const yes = await askToConfirm({ title: gettext("Start the scoring?"),
        detail: forGood(gettext("The review's conclusion stands; the committee scores the responsive bids.")),
        action: gettext("Start the scoring") });
      if (yes) act("start_scoring", {}, gettext("Start the scoring"));
    } }, gettext("Start the scoring"))));
  }
  return box.childElementCount ? box : null;
}

function conclusionTable(m) {
  const c = m.conclusion;
  const rows = c.bids.map((b) => {
    const failed = b.checks.filter((x) => x.failed);
    return h("tr", { class: b.responsive ? "" : "not-responsive", "data-bid": b.bid },
      h("td", {}, String(b.order)), h("td", {}, b.bidder),
      h("td", { class: b.responsive ? "pass" : "fail" }, b.responsive ? gettext("Responsive") : gettext("Not responsive")),
      h("td", {}, failed.length ? h("ul", {}, failed.map((x) => h("li", {},
        interpolate(gettext("%(check)s: %(fails)s of %(members)s members say fail"), { check: x.name, fails: x.fails, members: c.members }),
        h("ul", {}, x.reasons.map((r) => h("li", {}, interpolate(gettext("%(name)s: %(reason)s"), r))))))) : "—"));
  });
  const details = h("details", {}, h("summary", {}, gettext("Every member's verdict")),
    c.bids.map((b) => h("div", { class: "table-wrap" }, h("table", {},
      h("caption", {}, interpolate(gettext("Bid %(order)s: %(bidder)s"), b)),
      h("thead", {}, h("tr", {}, h("th", {}, gettext("Check")), h("th", {}, gettext("Verdicts")))),
      h("tbody", {}, b.checks.map((x) => h("tr", {}, h("td", {}, x.name),
        h("td", {}, x.verdicts.map((v) => h("div", { class: v.verdict },
          v.verdict === "fail" ? interpolate(gettext("%(name)s: fail, %(reason)s"), v) : interpolate(gettext("%(name)s: pass"), v)))))))))));
  return h("div", { class: "review-conclusion", id: "review-conclusion" },
    h("h3", {}, gettext("The review's conclusion")),
    h("p", {}, interpolate(ngettext("%(n)s bid is responsive.", "%(n)s bids are responsive.", c.responsive), { n: c.responsive })),
    m.noResponsive ? h("p", { class: "errors" }, m.noResponsive) : null,
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, gettext("No.")), h("th", {}, gettext("Bidder")), h("th", {}, gettext("Outcome")),
        h("th", {}, gettext("Checks failed by the majority, and every failing member's reason")))),
      h("tbody", {}, rows))),
    details);
}

// --- questions to bidders ------------------------------------------------------------------

function questionsPart(m, act) {
  const STATUS = { answered: gettext("answered"), open: gettext("waiting for the answer"), overdue: gettext("not answered in time") };
  const list = h("ul", { class: "questions" }, m.questions.map((q) => h("li", { class: `question-${q.status}`, "data-question": q.id },
    h("div", {}, h("strong", {}, q.bidder), " · ", STATUS[q.status],
      h("span", { class: "muted" }, " · ", interpolate(gettext("asked by %(name)s at %(at)s, answer by %(due)s"),
        { name: q.askedByName, at: when(q.asked_at), due: when(q.answer_due) }))),
    h("div", {}, q.question),
    q.answered_at ? h("div", { class: "pass" }, interpolate(gettext("Answer (%(at)s): %(answer)s"), { at: when(q.answered_at), answer: q.answer })) : null)));
  const box = h("div", { class: "review-questions" }, h("h3", {}, gettext("Questions to bidders")),
    m.questions.length ? list : h("p", { class: "muted" }, gettext("No question has been asked.")));
  if (!m.mayAsk || !m.bids.length) return box;
  const bid = draftSelect("question-bid", { id: "question-bid", "aria-label": gettext("Bidder") },
    m.bids.map((b) => h("option", { value: String(b.id) }, interpolate(gettext("Bid %(order)s: %(bidder)s"), b))));
  const text = draftBox("question-text", { id: "question-text", rows: 3, maxLength: 5000, placeholder: gettext("The question, in writing: it may ask to clarify the bid, never to change its price or substance."), "aria-label": gettext("Question") });
  const hours = h("input", { id: "question-hours", type: "number", min: 1, max: m.hours.max, value: drafts.get("question-hours") ?? m.hours.default,
    "data-draft": "question-hours", "aria-label": gettext("Hours to answer") });
  hours.addEventListener("input", () => drafts.set("question-hours", hours.value));
  box.append(h("div", { class: "question-form" }, bid, text,
    h("label", {}, gettext("Hours to answer"), " ", hours),
    h("button", { type: "button", id: "ask-question", onclick: async () => {
      const question = text.value.trim();
      if (!question) return text.focus();
      const yes = await askToConfirm({ title: gettext("Send this question to the bidder?"),
        detail: forGood(gettext("The bidder reads it from the evaluation committee, without your name, and answers within the time set; question and answer are kept in the record.")),
        action: gettext("Send the question") });
      if (!yes) return;
      sent(act("ask_question", { bid_id: Number(bid.value), question, hours: Number(hours.value) || m.hours.default }, gettext("Send the question")),
        () => ["question-text", "question-hours", "question-bid"].forEach((key) => drafts.delete(key)));
    } }, gettext("Send the question"))));
  return box;
}

/** What a review event says in the room's record, beyond its name (the page's log). */
export function describe(ev, snap) {
  const d = ev.data ?? {};
  const name = (id) => (snap?.members ?? []).find((m) => m.id === id)?.name ?? d.expert ?? "";
  switch (ev.kind) {
    case "review_progress": return interpolate(gettext("%(name)s: %(recorded)s of %(total)s checks recorded"), { name: name(d.member), recorded: d.recorded, total: d.to_record });
    case "review_submitted": return interpolate(gettext("%(name)s (%(submitted)s of %(seated)s members)"), { name: d.expert ?? name(d.member), submitted: d.submitted, seated: d.seated });
    case "review_concluded": return interpolate(ngettext("%(n)s bid is responsive.", "%(n)s bids are responsive.", d.responsive), { n: d.responsive });
    case "submission_returned": return interpolate(gettext("%(name)s: %(reason)s"), { name: d.expert ?? name(d.member), reason: d.reason });
    case "question_asked": return interpolate(gettext("to %(bidder)s: %(question)s"), d);
    case "question_answered": return interpolate(gettext("%(bidder)s: %(answer)s"), d);
    case "scoring_started": return interpolate(ngettext("%(n)s bid is responsive.", "%(n)s bids are responsive.", d.responsive), { n: d.responsive });
    default: return "";
  }
}

export function render(snap, act) {
  const m = reviewModel(snap);
  if (!m) return null;
  keepFocus();
  return h("section", { class: "card review-panel", id: "review-panel" },
    h("h2", {}, gettext("Qualification and responsiveness review")),
    m.filesUrl ? h("p", { class: "actions" }, h("a", { href: m.filesUrl, target: "_blank", rel: "noopener" }, gettext("Read the bid files"))) : null,
    progress(m),
    m.member && !m.concluded ? myReview(m, act) : null,
    m.conclusion ? conclusionTable(m) : null,
    leaderSteps(m, act),
    questionsPart(m, act));
}
