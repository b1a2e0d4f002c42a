/// The console's stylesheet and script, written here and served from this binary: no CDN, no npm.
enum ConsoleAssets {
    static let css = """
        :root { --ink: #1c2430; --muted: #5b6675; --line: #dfe3e8; --bg: #f5f6f8; --card: #fff; --accent: #2456d3;
          --ok: #14804a; --bad: #c0392b; --warn: #b26b00; --esc: #7b2cbf; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--ink); font-size: 15px; line-height: 1.45; }
        header { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #16202c; color: #fff; flex-wrap: wrap; }
        header .brand { font-weight: 700; letter-spacing: .02em; }
        header nav a { color: #cfd8e3; text-decoration: none; margin-right: 14px; }
        header nav a.current { color: #fff; border-bottom: 2px solid #fff; }
        header .who { margin-left: auto; color: #cfd8e3; font-size: 14px; }
        header form { display: inline; }
        header button { background: none; border: 1px solid #5d6b7c; color: #fff; border-radius: 6px; padding: 3px 10px; cursor: pointer; }
        main { max-width: 920px; margin: 0 auto; padding: 18px 14px 60px; }
        h1 { font-size: 20px; margin: 6px 0 14px; }
        .hint { color: var(--muted); font-size: 13px; margin-bottom: 12px; }
        .empty { background: var(--card); border: 1px dashed var(--line); border-radius: 10px; padding: 28px; text-align: center; color: var(--muted); }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px 18px; margin-bottom: 14px; box-shadow: 0 1px 2px rgba(0,0,0,.04); outline: none; }
        .card.selected { border-color: var(--accent); box-shadow: 0 0 0 3px rgba(36,86,211,.18); }
        .card .top { display: flex; gap: 12px; align-items: flex-start; justify-content: space-between; flex-wrap: wrap; }
        .card h2 { font-size: 17px; margin: 0 0 4px; }
        .meta { color: var(--muted); font-size: 13px; }
        .amount { font-size: 26px; font-weight: 700; white-space: nowrap; }
        .amount .currency { font-size: 15px; color: var(--muted); margin-left: 4px; font-weight: 600; }
        .badges { display: flex; gap: 6px; flex-wrap: wrap; margin: 8px 0; }
        .badge { font-size: 12px; padding: 2px 8px; border-radius: 999px; background: #eef1f5; color: var(--ink); }
        .badge.approve { background: #fff4e0; color: var(--warn); }
        .badge.escalate { background: #f3e8fd; color: var(--esc); }
        .badge.confidence { background: #e8f0ff; color: var(--accent); }
        .reasons { margin: 8px 0; padding-left: 18px; }
        .reasons li { margin: 2px 0; }
        .reasons code { font-size: 12px; color: var(--muted); margin-right: 6px; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 10px 0; }
        dl.facts dt { color: var(--muted); font-size: 13px; }
        dl.facts dd { margin: 0; }
        blockquote { margin: 6px 0; padding: 6px 10px; border-left: 3px solid var(--line); color: #333; background: #fafbfc; }
        .deadline { font-size: 13px; }
        .deadline strong { font-variant-numeric: tabular-nums; }
        .deadline.soon strong { color: var(--bad); }
        .fallback { font-size: 13px; color: var(--muted); }
        .actions { display: flex; gap: 8px; flex-wrap: wrap; margin-top: 12px; align-items: center; }
        .actions button { font-size: 15px; padding: 8px 16px; border-radius: 8px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
        .actions button.approve { background: var(--ok); border-color: var(--ok); color: #fff; }
        .actions button.reject { background: #fff; border-color: var(--bad); color: var(--bad); }
        .actions button.take_over { background: #fff; border-color: var(--ink); }
        .actions input[type=text] { flex: 1; min-width: 180px; padding: 8px 10px; border: 1px solid var(--line); border-radius: 8px; font-size: 14px; }
        .actions kbd { font-size: 11px; color: var(--muted); margin-left: 6px; font-family: inherit; }
        .actions button.approve kbd { color: rgba(255,255,255,.75); }
        .error { color: var(--bad); font-size: 14px; margin-top: 8px; }
        .foureyes { font-size: 13px; color: var(--warn); margin-top: 6px; }
        .counts { font-size: 13px; margin: 4px 0; color: var(--muted); } .counts a { margin-right: 10px; color: var(--accent); text-decoration: none; white-space: nowrap; }
        .counts a.current { font-weight: 700; } .counts .count { color: var(--muted); } .counts .dimension { margin-right: 6px; }
        .filters .chip { background: #e8f0ff; border-radius: 999px; padding: 2px 10px; margin-right: 8px; font-size: 13px; } .filters .chip a { text-decoration: none; margin-left: 4px; }
        .pager { display: flex; gap: 16px; justify-content: center; margin: 14px 0; }
        .toast { position: fixed; bottom: 16px; left: 50%; transform: translateX(-50%); background: #16202c; color: #fff; padding: 8px 14px; border-radius: 8px; font-size: 14px; }
        table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
        th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); font-size: 14px; vertical-align: top; }
        th { background: #f0f2f5; font-weight: 600; }
        .status-approved { color: var(--ok); font-weight: 600; }
        .status-rejected { color: var(--bad); font-weight: 600; }
        .status-expired { color: var(--muted); font-weight: 600; }
        .status-taken_over { color: var(--esc); font-weight: 600; }
        .login { max-width: 380px; margin: 80px auto; background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 24px; }
        .login input { width: 100%; padding: 10px; font-size: 15px; border: 1px solid var(--line); border-radius: 8px; margin: 8px 0 14px; }
        .login button { width: 100%; padding: 10px; font-size: 15px; background: var(--accent); color: #fff; border: 0; border-radius: 8px; cursor: pointer; }
        .badge.shadow { background: #e6f6ee; color: var(--ok); }
        .dash-head { display: flex; align-items: baseline; justify-content: space-between; flex-wrap: wrap; gap: 8px; }
        .windows a { margin-left: 10px; color: var(--accent); text-decoration: none; }
        .windows a.current { font-weight: 700; color: var(--ink); }
        h2 { font-size: 17px; margin: 22px 0 8px; }
        .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; margin-bottom: 14px; }
        .tile { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; }
        .tile .name { color: var(--muted); font-size: 12px; }
        .tile .value { font-size: 18px; font-weight: 700; font-variant-numeric: tabular-nums; }
        figure.panel, figure.diagram { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; margin: 0 0 12px; }
        figcaption { font-size: 14px; font-weight: 600; margin-bottom: 4px; display: flex; flex-wrap: wrap; gap: 10px; justify-content: space-between; }
        figure.diagram figcaption { font-weight: 400; display: block; }
        .legend { font-weight: 400; font-size: 12px; color: var(--muted); }
        .legend .key::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 10px; background: currentColor; }
        .legend .key.s0 { color: var(--accent); } .legend .key.s1 { color: var(--warn); } .legend .key.s2 { color: var(--bad); }
        svg.chart { width: 100%; height: auto; display: block; }
        svg.chart text { font-size: 11px; fill: var(--muted); font-family: inherit; }
        svg.chart text.nodata { font-size: 14px; }
        svg.chart .grid { stroke: var(--line); stroke-width: 1; }
        svg.chart .axis { stroke: #9aa4b1; stroke-width: 1; }
        svg.chart .line { fill: none; stroke-width: 2; stroke-linejoin: round; }
        svg.chart .line.s0, svg.chart .dot.s0 { stroke: var(--accent); } svg.chart .dot.s0, svg.chart .bar.s0 { fill: var(--accent); }
        svg.chart .line.s1, svg.chart .dot.s1 { stroke: var(--warn); } svg.chart .dot.s1, svg.chart .bar.s1 { fill: var(--warn); }
        svg.chart .line.s2, svg.chart .dot.s2 { stroke: var(--bad); } svg.chart .dot.s2, svg.chart .bar.s2 { fill: var(--bad); }
        svg.chart .bar.observed { fill: #9db5ee; }
        svg.chart .dot.stated { fill: var(--ink); }
        svg.chart .diagonal { stroke: var(--ink); stroke-width: 1; stroke-dasharray: 4 3; }
        svg.chart text.count { fill: var(--ink); font-size: 12px; }
        figure.diagram svg.chart text { font-size: 14px; }
        .reliability { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 12px; }
        @media (max-width: 600px) { svg.chart text { font-size: 17px; } svg.chart text.count { font-size: 12px; } figure.panel { padding: 8px 6px; } }
        @media (max-width: 600px) { .amount { font-size: 22px; } .card { padding: 14px; } .actions button { flex: 1; } th:nth-child(5), td:nth-child(5) { display: none; } }
        """

    static let js = """
        "use strict";
        (function () {
          const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
          const queue = document.getElementById("queue");
          if (!queue || !csrf) return;

          function cards() { return Array.from(queue.querySelectorAll(".card")); }
          function select(card) {
            cards().forEach(c => c.classList.toggle("selected", c === card));
            if (card) card.focus({preventScroll: false});
          }
          function selected() { return queue.querySelector(".card.selected") || cards()[0]; }
          function toast(text) {
            const t = document.createElement("div");
            t.className = "toast"; t.textContent = text; document.body.appendChild(t);
            setTimeout(() => t.remove(), 3000);
          }
          function refreshEmpty() {
            let empty = document.getElementById("empty");
            if (cards().length === 0 && !empty) {
              empty = document.createElement("div");
              empty.id = "empty"; empty.className = "empty"; empty.textContent = "Nothing waits for you. New approvals appear here as they arrive.";
              queue.appendChild(empty);
            } else if (cards().length > 0 && empty) { empty.remove(); }
          }

          async function decide(card, decision) {
            if (!card) return;
            const comment = card.querySelector('input[name="comment"]')?.value || "";
            card.querySelectorAll("button").forEach(b => b.disabled = true);
            try {
              const response = await fetch("/console/approvals/" + encodeURIComponent(card.dataset.id) + "/decision", {
                method: "POST", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json"},
                body: JSON.stringify({decision: decision, comment: comment})
              });
              const body = await response.json().catch(() => ({}));
              if (!response.ok) {
                showError(card, body.error ? body.error.message : ("Refused (" + response.status + ")"));
                card.querySelectorAll("button").forEach(b => b.disabled = false);
                return;
              }
              if (body.status === "pending") { replace(card.dataset.id, body.html); toast("First approval recorded; a second approver must approve."); return; }
              remove(card.dataset.id);
              toast(decision === "approve" ? "Approved" : decision === "reject" ? "Rejected" : "Taken over");
            } catch (e) {
              showError(card, "The server could not be reached. Nothing was decided.");
              card.querySelectorAll("button").forEach(b => b.disabled = false);
            }
          }
          function showError(card, message) {
            let box = card.querySelector(".error");
            if (!box) { box = document.createElement("div"); box.className = "error"; card.appendChild(box); }
            box.textContent = message;
          }
          function remove(id) {
            const card = queue.querySelector('.card[data-id="' + CSS.escape(id) + '"]');
            if (!card) return;
            const next = card.nextElementSibling;
            const wasSelected = card.classList.contains("selected");
            card.remove();
            if (wasSelected) select(next && next.classList.contains("card") ? next : cards()[0]);
            refreshEmpty();
          }
          function replace(id, html) {
            const template = document.createElement("template");
            template.innerHTML = html.trim();
            const fresh = template.content.firstElementChild;
            const old = queue.querySelector('.card[data-id="' + CSS.escape(id) + '"]');
            if (old) { fresh.classList.toggle("selected", old.classList.contains("selected")); old.replaceWith(fresh); }
            else { queue.prepend(fresh); if (!selected()) select(fresh); }
            refreshEmpty();
          }

          queue.addEventListener("click", event => {
            const button = event.target.closest("button[data-decision]");
            const card = event.target.closest(".card");
            if (card) select(card);
            if (button) { event.preventDefault(); decide(card, button.dataset.decision); }
          });
          document.addEventListener("keydown", event => {
            if (event.target.matches("input, textarea") || event.metaKey || event.ctrlKey || event.altKey) return;
            const key = event.key.toLowerCase();
            const current = selected();
            if (key === "y") decide(current, "approve");
            else if (key === "n") decide(current, "reject");
            else if (key === "m") decide(current, "take_over");
            else if (key === "j" || key === "arrowdown") { const n = current?.nextElementSibling; if (n?.classList.contains("card")) select(n); }
            else if (key === "k" || key === "arrowup") { const p = current?.previousElementSibling; if (p?.classList.contains("card")) select(p); }
            else return;
            event.preventDefault();
          });

          function tick() {
            const now = Date.now();
            document.querySelectorAll("[data-deadline]").forEach(el => {
              const left = Math.max(0, Date.parse(el.dataset.deadline) - now);
              const s = Math.floor(left / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
              const text = left === 0 ? "due now" : (h > 0 ? h + "h " : "") + String(m).padStart(h > 0 ? 2 : 1, "0") + "m " + String(r).padStart(2, "0") + "s";
              const strong = el.querySelector("strong"); if (strong) strong.textContent = text;
              el.classList.toggle("soon", left < 5 * 60 * 1000);
            });
          }
          setInterval(tick, 1000); tick();
          select(cards()[0]); refreshEmpty();

          const events = new EventSource("/console/events" + location.search);
          events.addEventListener("approval", event => {
            const data = JSON.parse(event.data);
            if (data.status === "pending") replace(data.id, data.html);
            else {
              const present = queue.querySelector('.card[data-id="' + CSS.escape(data.id) + '"]');
              remove(data.id);
              if (present) toast(data.status === "expired" ? "An approval expired: its fallback applies" : "Decided by " + data.decided_by + ": " + data.status.replace("_", " "));
            }
          });
        })();
        """
}
