// The emulator's JS-SDK: what jweixin-1.6.0.js is inside WeChat. wx.config is
// checked by the emulator like WeChat checks it (appId, and the signature over a
// live jsapi_ticket, nonceStr, timestamp and this page's URL without #fragment);
// the share data a page sets is what the ··· menu then sends to a friend.
(function () {
  "use strict";
  var me = document.currentScript;
  var base = me ? me.src.replace(/\/jweixin\.js(\?.*)?$/, "") : "/_emulator";
  var st = { done: false, ok: false, errMsg: "", ready: [], error: [], card: null, timeline: null };

  function post(path, body) {
    return fetch(base + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error((j.error && j.error.message) || ("HTTP " + r.status)); }
        return j;
      });
    });
  }
  function get(path) {
    return fetch(base + path, { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error((j.error && j.error.message) || ("HTTP " + r.status)); }
        return j;
      });
    });
  }
  function mark(state) { document.documentElement.setAttribute("data-wxemu-config", state); }
  function finish(ok, msg) {
    st.done = true; st.ok = ok; st.errMsg = msg;
    mark(ok ? "ok" : msg);
    var fns = ok ? st.ready : st.error;
    st.ready = []; st.error = [];
    fns.forEach(function (fn) { try { fn(ok ? undefined : { errMsg: msg }); } catch (e) { console.error(e); } });
  }
  function sameHost(link) {
    try { return new URL(link, location.href).host === location.host; } catch (e) { return false; }
  }
  function setter(name, key) {
    return function (o) {
      o = o || {};
      var fail = function (m) { if (o.fail) { o.fail({ errMsg: name + ":" + m }); } };
      if (!st.ok) { fail("fail, the permission value is offline verifying"); return; }
      if (!o.link || !sameHost(o.link)) { fail("fail, the link is not on a JS-safe domain"); return; }
      st[key] = { title: o.title || "", desc: o.desc || "", link: new URL(o.link, location.href).href, imgUrl: o.imgUrl || "" };
      if (o.success) { o.success({ errMsg: name + ":ok" }); }
    };
  }

  var wx = {
    config: function (c) {
      c = c || {};
      mark("pending");
      post("/api/jssdk/config", {
        appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr, signature: c.signature,
        url: location.href.split("#")[0]
      }).then(function (j) { finish(!!j.ok, j.errMsg || ""); }, function (e) { finish(false, "config:fail " + e.message); });
    },
    ready: function (fn) { if (st.done && st.ok) { fn(); } else { st.ready.push(fn); } },
    error: function (fn) { if (st.done && !st.ok) { fn({ errMsg: st.errMsg }); } else { st.error.push(fn); } },
    updateAppMessageShareData: setter("updateAppMessageShareData", "card"),
    updateTimelineShareData: setter("updateTimelineShareData", "timeline"),
    checkJsApi: function (o) {
      var res = {};
      (o.jsApiList || []).forEach(function (n) { res[n] = typeof wx[n] === "function"; });
      if (o.success) { o.success({ checkResult: res, errMsg: "checkJsApi:ok" }); }
    }
  };
  window.wx = window.jWeixin = wx;

  // ---- the in-WeChat browser's chrome -------------------------------------
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text) { n.textContent = text; }
    return n;
  }
  function toast(text) {
    var t = el("div", "wxemu-toast", text);
    t.id = "wxemu-toast";
    var old = document.getElementById("wxemu-toast");
    if (old) { old.remove(); }
    document.body.appendChild(t);
    setTimeout(function () { t.remove(); }, 4000);
  }
  // What 发送给朋友 sends: the page's card, or (as WeChat does when a page set
  // none) the bare page with its title.
  function card(kind) {
    var c = st[kind];
    if (c) { return c; }
    return { title: document.title, desc: location.href.split("#")[0], link: location.href.split("#")[0], imgUrl: "" };
  }
  function closeSheet() { var s = document.getElementById("wxemu-sheet"); if (s) { s.remove(); } }
  function sendToFriend() {
    closeSheet();
    Promise.all([get("/api/whoami"), get("/api/persons")]).then(function (r) {
      var self = r[0], people = (r[1].items || []).filter(function (p) { return p.openid !== self.openid; });
      var sheet = el("div", "wxemu-sheet");
      sheet.id = "wxemu-sheet";
      sheet.appendChild(el("div", "wxemu-title", "选择朋友"));
      if (!people.length) { sheet.appendChild(el("div", "wxemu-muted", "模拟器里还没有其他用户，先在模拟手机上新建一个")); }
      people.forEach(function (p) {
        var b = el("button", "wxemu-item wxemu-friend", p.nickname);
        b.type = "button";
        b.setAttribute("data-openid", p.openid);
        b.onclick = function () {
          closeSheet();
          var c = card("card");
          post("/api/persons/" + encodeURIComponent(self.openid) + "/share", {
            to: p.openid, title: c.title, desc: c.desc, link: c.link, imgUrl: c.imgUrl
          }).then(function () { toast("已发送给 " + p.nickname); }, function (e) { toast("发送失败：" + e.message); });
        };
        sheet.appendChild(b);
      });
      var cancel = el("button", "wxemu-item wxemu-cancel", "取消");
      cancel.type = "button";
      cancel.onclick = closeSheet;
      sheet.appendChild(cancel);
      document.body.appendChild(sheet);
    }, function (e) { toast(e.message); });
  }
  function menu() {
    if (document.getElementById("wxemu-sheet")) { closeSheet(); return; }
    var sheet = el("div", "wxemu-sheet");
    sheet.id = "wxemu-sheet";
    var items = [
      ["wxemu-send", "发送给朋友", sendToFriend],
      ["wxemu-timeline", "分享到朋友圈", function () {
        closeSheet();
        var c = card("timeline");
        toast("已分享到朋友圈：" + c.title + "（" + c.link + "）");
      }],
      ["wxemu-phone", "返回模拟手机", function () { location.href = base + "/"; }],
      ["wxemu-cancel", "取消", closeSheet]
    ];
    items.forEach(function (it) {
      var b = el("button", "wxemu-item", it[1]);
      b.type = "button"; b.id = it[0]; b.onclick = it[2];
      sheet.appendChild(b);
    });
    document.body.appendChild(sheet);
  }
  // 识别图中二维码: WeChat reads a QR code from a long-pressed picture; pages mark
  // the pictures with data-wx-qr (the code's content) so the emulator can do the same.
  function qrButtons() {
    document.querySelectorAll("[data-wx-qr]").forEach(function (img) {
      var content = img.getAttribute("data-wx-qr");
      if (!content || img.getAttribute("data-wxemu-scan")) { return; }
      img.setAttribute("data-wxemu-scan", "1");
      var b = el("button", "wxemu-scan", "识别图中二维码（模拟长按）");
      b.type = "button";
      b.onclick = function () {
        get("/api/whoami").then(function (self) {
          return post("/api/persons/" + encodeURIComponent(self.openid) + "/scan", { url: content });
        }).then(function (res) {
          toast(res.status === "replied" || res.status === "no_reply" ? "已识别二维码并关注公众号" : "推送结果：" + res.status);
          document.documentElement.setAttribute("data-wxemu-scanned", res.status);
        }, function (e) { toast("识别失败：" + e.message); });
      };
      img.insertAdjacentElement("afterend", b);
    });
  }
  function chrome() {
    var css = el("link");
    css.rel = "stylesheet"; css.href = base + "/static/wxbrowser.css";
    document.head.appendChild(css);
    document.documentElement.classList.add("wxemu-on");
    var bar = el("div", "wxemu-bar", document.title);
    bar.id = "wxemu-bar";
    document.body.appendChild(bar);
    var b = el("button", "wxemu-menu", "···");
    b.type = "button"; b.id = "wxemu-menu"; b.title = "右上角菜单"; b.setAttribute("aria-label", "菜单");
    b.onclick = menu;
    document.body.appendChild(b);
    qrButtons();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", chrome);
  } else {
    chrome();
  }
})();
