// The evaluation room page's gathering panel (to be written by H-room: sign-in, declarations and recusal, the leader's election, pause and resume).
// render(snap, act) returns the panel's element, or null when it has nothing to show now:
//   snap: the room's current snapshot as the server sent it (snap.gathering is this part's piece;
//         snap.you says who is looking: {role: "member"|"staff"|"supervisor", member_id, leader});
//   act(command, fields): sends a command; a Promise of the server's answer ({type:"ok"} or
//         {type:"error", message}); the page shows refusals itself.
export function render(snap, act) {
  return null;
}

// What a gathering event says beyond its name, for the room's record (the page's log).
export function describe(ev, snap) {
  return "";
}
