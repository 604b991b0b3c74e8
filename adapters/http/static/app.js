(function () {
  "use strict";
  // Copy the invite link: the async clipboard API where allowed, else select and
  // execCommand (older WeChat webviews), else leave it selected for a long-press.
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var input = document.getElementById(btn.getAttribute("data-copy"));
      var status = document.getElementById("copy-status");
      var done = function (ok) { if (status) status.textContent = ok ? "已复制，去粘贴给好友吧" : "请长按链接手动复制"; };
      var fallback = function () {
        input.focus(); input.select(); input.setSelectionRange(0, input.value.length);
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        done(ok);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () { done(true); }, fallback);
      } else {
        fallback();
      }
    });
  });
  // Copy a reward's redeem code: the text of the element data-copy-text names.
  document.querySelectorAll("[data-copy-text]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var el = document.getElementById(btn.getAttribute("data-copy-text"));
      if (!el) return;
      var done = function () { btn.textContent = "已复制"; };
      var fallback = function () {
        var range = document.createRange(); range.selectNodeContents(el);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        try { if (document.execCommand("copy")) done(); } catch (e) { /* left selected for a long-press */ }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(el.textContent).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
  // The QR image may fail (WeChat unreachable): hide it and show the notice. The
  // server's placeholder is a 1x1 pixel, so a tiny image counts as a failure too.
  var qr = document.getElementById("invite-qr");
  if (qr) {
    var fail = function () {
      qr.hidden = true;
      var fb = document.querySelector(".qr-fallback");
      if (fb) fb.hidden = false;
    };
    var check = function () { if (qr.naturalWidth <= 1) fail(); };
    qr.addEventListener("error", fail);
    qr.addEventListener("load", check);
    if (qr.complete) check();
  }
})();
