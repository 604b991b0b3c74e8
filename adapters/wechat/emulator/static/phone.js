// Simulated phone: drives the emulator's JSON API (/api/*).
(function () {
  "use strict";
  var base = document.body.getAttribute("data-base") || "";
  var $ = function (id) { return document.getElementById(id); };
  var persons = [];
  var current = localStorage.getItem("wxemu.openid") || "";
  var lastMenu = "";

  function api(method, path, body) {
    var opts = { method: method, headers: {} };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(base + "/api" + path, opts).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error((j.error && j.error.message) || ("HTTP " + r.status)); }
        return j;
      });
    });
  }

  function notice(text) {
    var n = $("notice");
    if (!text) { n.classList.add("hidden"); return; }
    n.textContent = text;
    n.classList.remove("hidden");
  }

  function person() {
    for (var i = 0; i < persons.length; i++) { if (persons[i].openid === current) { return persons[i]; } }
    return null;
  }

  function avatarOf(p, size) { return p.avatar_url || (base + "/avatar/" + p.openid + "/" + size); }

  function renderPersons() {
    var sel = $("who");
    sel.innerHTML = "";
    if (persons.length === 0) {
      sel.appendChild(new Option("（还没有用户，先新建一个）", ""));
    }
    persons.forEach(function (p) {
      sel.appendChild(new Option(p.nickname + (p.following ? " · 已关注" : "") + " · " + p.openid.slice(0, 10) + "…", p.openid));
    });
    if (!person() && persons.length) { current = persons[persons.length - 1].openid; }
    sel.value = current;
    var p = person();
    $("me").classList.toggle("hidden", !p);
    ["follow", "unfollow", "scan-toggle", "open"].forEach(function (id) { $(id).disabled = !p; });
    $("send").disabled = $("compose-text").disabled = !p || !p.following;
    if (!p) { return; }
    localStorage.setItem("wxemu.openid", current);
    $("me-avatar").src = avatarOf(p, 64);
    $("me-name").textContent = p.nickname;
    $("me-state").textContent = p.following ? "已关注" : "未关注";
    $("me-openid").textContent = "openid " + p.openid;
    $("me-union").textContent = (p.unionid ? "unionid " + p.unionid : "无 unionid") + (p.snapshot ? " · 快照页用户" : "");
    $("follow").disabled = p.following;
    $("unfollow").disabled = !p.following;
  }

  function loadPersons() {
    return api("GET", "/persons").then(function (j) { persons = j.items || []; renderPersons(); });
  }

  function fmtTime(s) {
    var d = new Date(s), pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  // A link a friend shared: WeChat's card, opened as the person reading it.
  function linkCard(m) {
    var c = m.card, a = document.createElement("button");
    a.type = "button";
    a.className = "link-card";
    a.setAttribute("data-link", c.link);
    var from = document.createElement("div"); from.className = "muted small"; from.textContent = c.from_name + " 分享给你";
    var title = document.createElement("b"); title.textContent = c.title || c.link;
    var row = document.createElement("div"); row.className = "row";
    var desc = document.createElement("span"); desc.className = "grow small muted"; desc.textContent = c.desc;
    row.appendChild(desc);
    if (c.img_url) { var img = document.createElement("img"); img.src = c.img_url; img.alt = ""; img.className = "card-img"; row.appendChild(img); }
    a.appendChild(from); a.appendChild(title); a.appendChild(row);
    a.onclick = function () {
      var p = person();
      if (!p) { return; }
      location.href = base + "/open?openid=" + encodeURIComponent(p.openid) + "&url=" + encodeURIComponent(c.link);
    };
    return a;
  }

  function loadChat() {
    var p = person();
    var box = $("chat");
    if (!p) { box.innerHTML = '<div class="muted small center">暂无消息</div>'; return Promise.resolve(); }
    return api("GET", "/persons/" + encodeURIComponent(p.openid) + "/chat").then(function (j) {
      box.innerHTML = "";
      var items = j.items || [];
      if (!items.length) { box.innerHTML = '<div class="muted small center">暂无消息</div>'; }
      items.forEach(function (m) {
        var div = document.createElement("div");
        div.className = "msg " + m.from;
        var t = document.createElement("time");
        t.textContent = fmtTime(m.time);
        if (m.kefu) {
          var k = document.createElement("span");
          k.className = "kefu";
          k.textContent = "客服消息";
          t.appendChild(k);
        }
        div.appendChild(t);
        if (m.media_id) {
          var img = document.createElement("img");
          img.className = "pic";
          img.alt = "图片";
          img.src = base + "/media/" + encodeURIComponent(m.media_id);
          img.onclick = function () { $("viewer-img").src = img.src; $("viewer").classList.remove("hidden"); };
          div.appendChild(img);
        } else if (m.card) {
          div.appendChild(linkCard(m));
        } else {
          div.appendChild(document.createTextNode(m.text));
        }
        if (m.raw) { div.title = m.raw; }
        box.appendChild(div);
      });
      box.scrollTop = box.scrollHeight;
    });
  }

  function loadCodes() {
    return api("GET", "/qrcodes").then(function (j) {
      var ul = $("codes");
      ul.innerHTML = "";
      var items = (j.items || []).slice().reverse();
      if (!items.length) { ul.innerHTML = '<li class="muted">还没有签发任何二维码</li>'; }
      items.forEach(function (q) {
        var li = document.createElement("li");
        var span = document.createElement("span");
        var expired = q.expires_at && new Date(q.expires_at) <= new Date();
        span.textContent = (q.owner ? q.owner + "的二维码 · " : "") + (q.permanent ? "永久" : "临时") + " · 场景 " + (q.is_str ? q.scene_str : q.scene_id) + (expired ? " · 已过期" : "");
        var b = document.createElement("button");
        b.className = "btn small primary";
        b.textContent = "扫描";
        b.disabled = !!expired;
        b.onclick = function () { scan(q.ticket); };
        li.appendChild(span);
        li.appendChild(b);
        ul.appendChild(li);
      });
    });
  }

  function loadStatus() {
    return api("GET", "/status").then(function (s) {
      $("st-callback").textContent = s.callback_url || "（未设置）";
      $("st-tokens").textContent = s.tokens_issued;
      $("st-qrcodes").textContent = s.qrcodes;
      $("st-persons").textContent = s.persons;
      $("st-userinfo").textContent = s.userinfo_outage ? "故障（" + s.userinfo_outage + "）" : "正常";
      var tb = $("st-counters");
      tb.innerHTML = "";
      Object.keys(s.counters || {}).sort().forEach(function (k) {
        var tr = document.createElement("tr");
        var a = document.createElement("td"); a.textContent = k;
        var b = document.createElement("td"); b.textContent = s.counters[k];
        tr.appendChild(a); tr.appendChild(b); tb.appendChild(tr);
      });
    });
  }

  function menuButton(b) {
    var btn = document.createElement("button");
    btn.type = "button";
    btn.textContent = b.name;
    btn.disabled = !person() || !person().following;
    btn.onclick = function () {
      closeSubmenus();
      if (b.type === "view") {
        var p = person();
        act("/view", { url: b.url, name: b.name }).then(function () {
          location.href = base + "/open?openid=" + encodeURIComponent(p.openid) + "&url=" + encodeURIComponent(b.url);
        });
      } else if (b.key) {
        act("/click", { key: b.key, name: b.name });
      } else {
        notice("模拟器不支持此类菜单：" + b.type);
      }
    };
    return btn;
  }

  function closeSubmenus() {
    Array.prototype.forEach.call(document.querySelectorAll(".submenu"), function (el) { el.classList.add("hidden"); });
  }

  function loadMenu() {
    return api("GET", "/menu").then(function (m) {
      var p = person();
      var sig = JSON.stringify(m) + "|" + (p ? p.openid + p.following : "");
      if (sig === lastMenu) { return; }
      lastMenu = sig;
      var nav = $("menu");
      nav.innerHTML = "";
      var buttons = m.button || [];
      if (!buttons.length) { nav.innerHTML = '<span class="muted small">（公众号尚未设置菜单）</span>'; return; }
      buttons.forEach(function (b) {
        var item = document.createElement("div");
        item.className = "menu-item";
        if (b.sub_button && b.sub_button.length) {
          var top = document.createElement("button");
          top.type = "button";
          top.textContent = "≡ " + b.name;
          var sub = document.createElement("div");
          sub.className = "submenu hidden";
          b.sub_button.forEach(function (s) { sub.appendChild(menuButton(s)); });
          top.onclick = function () { var hidden = sub.classList.contains("hidden"); closeSubmenus(); sub.classList.toggle("hidden", !hidden); };
          item.appendChild(sub);
          item.appendChild(top);
        } else {
          item.appendChild(menuButton(b));
        }
        nav.appendChild(item);
      });
    });
  }

  function refresh() {
    return loadPersons().then(function () { return Promise.all([loadChat(), loadStatus(), loadMenu()]); }).catch(function (e) { notice(e.message); });
  }

  function report(res) {
    var msg = "推送结果：" + res.status + "，尝试 " + res.attempts + " 次";
    if (res.error) { msg += "（" + res.error + "）"; }
    notice(res.status === "replied" || res.status === "no_reply" ? "" : msg);
    return refresh();
  }

  function act(path, body) {
    var p = person();
    if (!p) { return Promise.resolve(); }
    notice("");
    return api("POST", "/persons/" + encodeURIComponent(p.openid) + path, body).then(report).catch(function (e) { notice(e.message); return refresh(); });
  }

  function scan(ref) {
    ref = (ref || "").trim();
    if (!ref) { notice("请粘贴二维码链接或 ticket"); return; }
    var body = /^https?:/.test(ref) ? { url: ref } : { ticket: ref };
    act("/scan", body);
  }

  $("who").onchange = function () { current = this.value; renderPersons(); loadChat(); };
  $("toggle-new").onclick = function () { $("new-person").classList.toggle("hidden"); };
  $("new-person").onsubmit = function (ev) {
    ev.preventDefault();
    var f = ev.target;
    api("POST", "/persons", {
      nickname: f.nickname.value, avatar_url: f.avatar_url.value, unionid: f.unionid.value,
      generate_unionid: f.generate_unionid.checked, snapshot: f.snapshot.checked
    }).then(function (p) {
      current = p.openid; f.reset(); f.classList.add("hidden"); return refresh();
    }).catch(function (e) { notice(e.message); });
  };
  $("follow").onclick = function () { act("/follow"); };
  $("unfollow").onclick = function () { act("/unfollow"); };
  $("scan-toggle").onclick = function () { $("scan").classList.toggle("hidden"); loadCodes(); };
  $("scan-go").onclick = function () { scan($("scan-ref").value); };
  $("open").onclick = function () {
    var p = person(), u = $("link").value.trim();
    if (!p || !u) { notice("请先选择用户并输入链接"); return; }
    location.href = base + "/open?openid=" + encodeURIComponent(p.openid) + "&url=" + encodeURIComponent(u);
  };
  $("compose").onsubmit = function (ev) {
    ev.preventDefault();
    var text = $("compose-text").value;
    if (!text.trim()) { return; }
    $("compose-text").value = "";
    act("/message", { content: text });
  };
  $("viewer").onclick = function () { $("viewer").classList.add("hidden"); };
  $("expire").onclick = function () { api("POST", "/tokens/expire").then(loadStatus); };
  $("ui-down").onclick = function () { api("POST", "/status/userinfo", { down: true }).then(loadStatus); };
  $("ui-up").onclick = function () { api("POST", "/status/userinfo", { down: false }).then(loadStatus); };
  $("status-box").addEventListener("toggle", loadStatus);

  refresh();
  // Kefu messages arrive after the fact: poll the chat.
  setInterval(function () { if (!document.hidden) { loadChat(); loadStatus(); loadMenu(); } }, 2000);
})();
