// Live progress of the author's voice while it is being made, and confirmation of destructive forms (no inline JS:
// the site's Content-Security-Policy forbids it).
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  var panel = document.getElementById("voice-panel");
  if (!panel || !window.WebSocket) return;
  var state = panel.querySelector("[data-role=voice-state]");
  var bar = panel.querySelector("[data-role=voice-progress]");
  var message = panel.querySelector("[data-role=voice-message]");
  var preview = panel.querySelector("[data-role=voice-preview]");
  var labels = {cloning: "制作中 Cloning", ready: "就绪 Ready", failed: "失败 Failed", revoked: "已撤销 Revoked"};
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + location.host + panel.dataset.progressWs);
  var shownVersion = null;

  socket.addEventListener("message", function (event) {
    var voice = JSON.parse(event.data);
    if (voice.type !== "voice" || voice.state === "none") return;
    panel.dataset.state = voice.state;
    state.textContent = labels[voice.state] || voice.state;
    bar.value = voice.progress;
    message.textContent = voice.error || voice.message;
    if (voice.usable && preview.hidden) {
      preview.hidden = false;
    }
    if (voice.usable && shownVersion !== null && voice.version !== shownVersion) {
      var clone = panel.querySelector("[data-role=clone-sample]");
      clone.src = clone.src.replace(/v=\d+/, "v=" + voice.version);
    }
    shownVersion = voice.version;
    if (voice.state !== "cloning" && voice.progress >= 1) socket.close();
  });
})();
