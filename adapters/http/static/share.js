// WeChat's share menu (发送给朋友 / 分享到朋友圈) sends the invite link as a card
// with a title, description and picture instead of this page. The signature for
// this exact URL comes from the server in #wx-share (no inline script allowed).
(function () {
  "use strict";
  var d = document.getElementById("wx-share");
  if (!d || !window.wx) { return; }
  var ds = d.dataset;
  var card = { title: ds.title, desc: ds.desc, link: ds.link, imgUrl: ds.imgUrl };
  window.wx.config({
    debug: false,
    appId: ds.appId,
    timestamp: Number(ds.timestamp),
    nonceStr: ds.nonceStr,
    signature: ds.signature,
    jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"]
  });
  window.wx.ready(function () {
    window.wx.updateAppMessageShareData(card);
    window.wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
  });
  window.wx.error(function (res) {
    // The page still works; WeChat's menu then shares the page itself.
    if (window.console) { console.warn("wx.config failed", res && res.errMsg); }
  });
})();
