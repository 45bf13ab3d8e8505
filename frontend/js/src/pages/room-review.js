// The evaluation room page's review panel (to be written by H-review: pass/fail checks, the review's conclusion, questions to bidders).
// render(snap, act) returns the panel's element, or null when it has nothing to show now:
//   snap: the room's current snapshot as the server sent it (snap.review is this part's piece;
//         snap.you says who is looking: {role: "member"|"staff"|"supervisor", member_id, leader});
//   act(command, fields): sends a command; a Promise of the server's answer ({type:"ok"} or
//         {type:"error", message}); the page shows refusals itself.
export function render(snap, act) {
  return null;
}
