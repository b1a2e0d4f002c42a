"""The approver console in a real headless Chromium (Selenium), against the real `countersign serve`.

Run by Tests/CountersignCLITests/ConsoleBrowserTests.swift (which passes the binary), or by hand:
    python Tests/Console/console_test.py --binary .build/debug/countersign [--screenshot console.png]
Exits non-zero on the first failed check.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


class Server:
    """`countersign serve` on a temp database and a free port, with its trial credentials."""

    def __init__(self, binary):
        self.folder = tempfile.mkdtemp(prefix="countersign-console-")
        for _ in range(8):
            self.port = random.randint(20000, 60000)
            self.process = subprocess.Popen(
                [binary, "serve", "--db", os.path.join(self.folder, "c.db"), "--port", str(self.port)],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            output = ""
            deadline = time.time() + 20
            while time.time() < deadline:
                line = self.process.stdout.readline()
                if not line:
                    break
                output += line
                if "is listening" in line:
                    self.agent_key = re.search(r"cs_agent_[A-Za-z0-9_-]+", output).group(0)
                    self.approver_token = re.search(r"cs_approver_[A-Za-z0-9_-]+", output).group(0)
                    self.url = f"http://127.0.0.1:{self.port}"
                    return
            self.process.kill()
            self.process.wait()
        raise RuntimeError("the server did not start")

    def call(self, method, path, secret, body=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if secret:
            request.add_header("Authorization", "Bearer " + secret)
        request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            payload = error.read()
            try:
                return error.code, json.loads(payload)
            except ValueError:
                return error.code, {"raw": payload.decode(errors="replace")}

    def propose(self, **fields):
        body = {"agent": "trial-agent", **fields}
        status, answer = self.call("POST", "/v1/proposals", self.agent_key, body)
        check(status == 201, "a proposal is created" if status == 201 else f"proposal created ({status} {answer})")
        return answer["approval"]["id"]

    def approval(self, approval_id):
        return self.call("GET", f"/v1/approvals/{approval_id}", self.approver_token)[1]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=15)
        shutil.rmtree(self.folder, ignore_errors=True)


passed = 0


def check(condition, what):
    global passed
    if not condition:
        print(f"FAILED: {what}", flush=True)
        sys.exit(1)
    passed += 1
    print(f"ok: {what}", flush=True)


def sign_in(driver, token):
    """Submits the sign-in form and waits for the next page to load."""
    button = driver.find_element(By.CSS_SELECTOR, "button[type=submit]")
    driver.find_element(By.NAME, "token").send_keys(token)
    button.click()
    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(button))


def card(driver, approval_id):
    found = driver.find_elements(By.CSS_SELECTOR, f'.card[data-id="{approval_id}"]')
    return found[0] if found else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--screenshot")
    arguments = parser.parse_args()

    server = Server(arguments.binary)
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,1000"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    wait = WebDriverWait(driver, 10)
    try:
        refund = server.propose(
            operation="refund", confidence=0.97, amount=2400, currency="USD", reference_amount=240, subject="customer-881",
            action="Refund order A-1042 in full", reasoning="Customer asked for a full refund of a damaged item",
            impact="Money leaves the company account", fallback="Tell the customer a specialist will follow up within 24 hours",
            messages=[{"role": "customer", "text": "I want a full refund now"}], context={"order_id": "A-1042"}, timeout="2h")
        cancel = server.propose(
            operation="cancel_order", confidence=0.8, amount=89.5, currency="USD", subject="customer-12",
            action="Cancel order B-77 before it ships", reasoning="Ordered twice by mistake", timeout="3h")
        elsewhere = server.propose(
            operation="update_address", confidence=0.6, subject="customer-5", action="Change the delivery address of C-9", timeout="4h")

        # Signed out, the console asks for a token; a wrong one is refused.
        driver.get(server.url + "/")
        check(driver.current_url.endswith("/login"), "signed out, / leads to the sign-in page")
        sign_in(driver, "not-a-token")
        check("not a valid approver token" in driver.page_source, "a wrong token is refused with a message")
        sign_in(driver, server.agent_key)
        check("not a valid approver token" in driver.page_source, "an agent key cannot sign in to the console")

        sign_in(driver, server.approver_token)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".card"))
        cookie = driver.get_cookie("cs_session")
        check(cookie is not None and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict", "the session cookie is HttpOnly and SameSite=Strict")

        # The card shows what a human needs to decide.
        first = card(driver, refund)
        check(first is not None, "the held refund is on the queue")
        text = first.text
        check("2,400.00" in first.find_element(By.CSS_SELECTOR, ".amount").text and "USD" in text, "the amount is highlighted with its currency")
        check("Customer asked for a full refund of a damaged item" in text, "the agent's reasoning is shown")
        check("sanity.reference_ratio" in text and "10.0×" in text, "the reasons the policy held it are shown")
        check("Tell the customer a specialist will follow up within 24 hours" in text, "the fallback is shown")
        check("confidence 97%" in text, "the confidence is shown")
        check(re.search(r"Decide within \d+h \d\dm \d\ds", text) is not None, "a countdown to the deadline is shown")
        if arguments.screenshot:
            driver.save_screenshot(arguments.screenshot)

        # Approve with a click.
        first.find_element(By.CSS_SELECTOR, "button[data-decision=approve]").click()
        wait.until(lambda d: card(d, refund) is None)
        decided = server.approval(refund)
        check(decided["status"] == "approved" and decided["decided_by"] == "trial-approver", "a click approves, as the signed-in approver")

        # Reject with the keyboard, with a comment.
        second = card(driver, cancel)
        second.find_element(By.CSS_SELECTOR, "input[name=comment]").send_keys("Ask the customer which order to keep")
        second.find_element(By.CSS_SELECTOR, "h2").click()
        driver.find_element(By.TAG_NAME, "body").send_keys("n")
        wait.until(lambda d: card(d, cancel) is None)
        decided = server.approval(cancel)
        check(decided["status"] == "rejected" and decided["comment"] == "Ask the customer which order to keep", "N rejects the selected card, with its comment")

        # Decided elsewhere (through the API): the card leaves the queue without a reload.
        marker = driver.execute_script("window.__noReload = 1; return 1;")
        status, _ = server.call("POST", f"/v1/approvals/{elsewhere}/decision", server.approver_token, {"decision": "take_over"})
        check(status == 200, "the API decides the third approval")
        wait.until(lambda d: card(d, elsewhere) is None)
        check(driver.execute_script("return window.__noReload") == marker, "the decided card left the queue without a reload")

        # A new proposal arrives on the open page.
        fresh = server.propose(operation="refund", confidence=0.9, amount=45, currency="USD", action="Refund the shipping fee of D-3")
        wait.until(lambda d: card(d, fresh) is not None)
        check("Refund the shipping fee of D-3" in card(driver, fresh).text, "a new approval appears without a reload")

        # Posts without the CSRF token are refused, whatever the session.
        session_cookie = "cs_session=" + driver.get_cookie("cs_session")["value"]
        form = urllib.parse.urlencode({"decision": "approve"}).encode()
        status, answer = server.call(
            "POST", f"/console/approvals/{fresh}/decision", None, raw=form,
            headers={"Cookie": session_cookie, "Content-Type": "application/x-www-form-urlencoded"})
        check(status == 403 and answer.get("error", {}).get("code") == "csrf", "a form post without the CSRF token is refused (403)")
        status, answer = server.call(
            "POST", f"/console/approvals/{fresh}/decision", None, {"decision": "approve"},
            headers={"Cookie": session_cookie, "X-CSRF-Token": "forged"})
        check(status == 403, "a script post with a wrong CSRF token is refused (403)")
        check(server.approval(fresh)["status"] == "pending", "the refused posts changed nothing")

        # History shows who decided and how long it took.
        driver.get(server.url + "/history")
        history = driver.find_element(By.TAG_NAME, "table").text
        check("Refund order A-1042 in full" in history and "trial-approver" in history and "approved" in history, "history lists decided approvals and who decided")

        # The dashboard: the production figures as charts, and a reliability diagram per operation.
        driver.get_log("browser")  # start the dashboard with an empty browser log
        driver.find_element(By.LINK_TEXT, "Dashboard").click()
        wait.until(lambda d: d.current_url.endswith("/dashboard"))
        charts = driver.find_elements(By.CSS_SELECTOR, "figure.panel svg.chart")
        check(len(charts) >= 5, f"the dashboard draws its charts ({len(charts)})")
        check(all(c.size["width"] > 200 and c.size["height"] > 60 for c in charts), "every chart has a visible size")
        tiles = driver.find_element(By.CSS_SELECTOR, ".tiles").text
        check("Proposals" in tiles and "Auto-completion" in tiles and "Approval wait p50 / p95" in tiles, "the figures of the production report are shown")
        bars = driver.find_elements(By.CSS_SELECTOR, "figure.panel svg.chart rect.bar")
        check(len(bars) >= 1, "proposals per day are drawn as bars")
        diagrams = {d.find_element(By.TAG_NAME, "figcaption").text.split("·")[0].strip(): d for d in driver.find_elements(By.CSS_SELECTOR, "figure.diagram")}
        check({"refund", "cancel_order", "update_address"} <= set(diagrams), f"a reliability diagram per decided operation ({sorted(diagrams)})")
        refund_diagram = diagrams["refund"]
        check("ECE" in refund_diagram.text and "Brier" in refund_diagram.text, "the diagram states ECE and the Brier score")
        check(len(refund_diagram.find_elements(By.CSS_SELECTOR, "line.diagonal")) == 1, "the diagram draws the diagonal")
        check(len(refund_diagram.find_elements(By.CSS_SELECTOR, "rect.observed")) == 1, "the diagram draws the decided bin")
        violations = [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"] or entry["level"] == "SEVERE"]
        check(not violations, f"no CSP violations or errors in the browser log ({violations})")
        driver.get(server.url + "/dashboard?since=30d")
        check("30 days" in driver.find_element(By.CSS_SELECTOR, ".windows a.current").text, "the window switches to 30 days")
        if arguments.screenshot:
            driver.set_window_size(1200, 3400)
            driver.save_screenshot(arguments.screenshot.replace(".png", "-dashboard.png"))
            driver.set_window_size(1200, 1000)

        # Phone width: the card fits.
        driver.get(server.url + "/")
        driver.set_window_size(390, 844)
        wait.until(lambda d: card(d, fresh) is not None)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        check(width <= 390, f"no horizontal scrolling at phone width ({width}px)")
        driver.get(server.url + "/dashboard")
        width = driver.execute_script("return document.documentElement.scrollWidth")
        check(width <= 390, f"the dashboard has no horizontal scrolling at phone width ({width}px)")
        if arguments.screenshot:
            driver.set_window_size(390, 4200)
            driver.save_screenshot(arguments.screenshot.replace(".png", "-dashboard-phone.png"))
            driver.set_window_size(390, 844)
        driver.get(server.url + "/")

        # Sign out ends the session.
        driver.find_element(By.CSS_SELECTOR, "header button").click()
        wait.until(lambda d: d.current_url.endswith("/login"))
        driver.get(server.url + "/")
        check(driver.current_url.endswith("/login"), "after signing out, the queue asks for a token again")
        status, _ = server.call("POST", f"/console/approvals/{fresh}/decision", None, {"decision": "approve"}, headers={"Cookie": session_cookie, "X-CSRF-Token": "x"})
        check(status == 401, "the old session cookie no longer works")
    finally:
        driver.quit()
        server.stop()
    print(f"{passed} passed, 0 failed")


if __name__ == "__main__":
    main()
