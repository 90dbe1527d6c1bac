"""Protocol scenarios against one ratelab kernel: abort semantics, interrupts, display updates, tracebacks.

Prints one JSON object on stdout: {scenario: observations}; tests/kernel-protocol.test.ts asserts on it.
"""
import atexit
import json
import os
import sys
import time

from jupyter_client.manager import start_new_kernel

TIMEOUT = 60
km, kc = start_new_kernel(kernel_name="ratelab", startup_timeout=60)
# If a scenario fails, do not leave a kernel spinning in an uninterrupted loop.
atexit.register(lambda: km.is_alive() and km.shutdown_kernel(now=True))
results = {}


def drain_shell():
    while True:
        try:
            kc.get_shell_msg(timeout=0.2)
        except Exception:
            return


def reply_for(msg_id):
    while True:
        m = kc.get_shell_msg(timeout=TIMEOUT)
        if m["parent_header"].get("msg_id") == msg_id:
            return m["content"]


def iopub_for(msg_id):
    """iopub messages of one request, up to its idle status."""
    out = []
    while True:
        m = kc.get_iopub_msg(timeout=TIMEOUT)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return out
        if m["msg_type"] != "status":
            out.append({"type": m["msg_type"], "content": m["content"]})


def run(code, **kw):
    msg_id = kc.execute(code, **kw)
    rep = reply_for(msg_id)
    return rep, iopub_for(msg_id)


def summary(rep):
    return {k: rep.get(k) for k in ("status", "ename", "evalue", "execution_count")}


drain_shell()
run("let kept = 41;")

# --- abort: three requests queued behind a slow cell; the second fails, the third is aborted. ---
ids = [
    kc.execute("const t0 = Date.now(); while (Date.now() - t0 < 400) {}"),
    kc.execute('throw new Error("boom")'),
    kc.execute("let third = 3;"),
]
replies = [reply_for(i) for i in ids]
for i in ids:
    iopub_for(i)
# Sent right after the error reply arrived: must run normally.
after, after_out = run("kept + 1")
results["abort"] = {"replies": [summary(r) for r in replies], "after": summary(after), "after_out": after_out}

# --- stop_on_error=False: the third request still runs. ---
ids = [
    kc.execute("const t1 = Date.now(); while (Date.now() - t1 < 400) {}", stop_on_error=False),
    kc.execute('throw new Error("boom2")', stop_on_error=False),
    kc.execute("kept * 2", stop_on_error=False),
]
replies = [reply_for(i) for i in ids]
outs = [iopub_for(i) for i in ids]
results["no_stop"] = {"replies": [summary(r) for r in replies], "third_out": outs[2]}


def interrupted_run(code):
    """Run `code`, which prints "started" once it is running, interrupt it by SIGINT, check the kernel after."""
    msg_id = kc.execute(code)
    while True:
        m = kc.get_iopub_msg(timeout=TIMEOUT)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream" and "started" in m["content"]["text"]:
            break
    time.sleep(0.5)
    km.interrupt_kernel()
    rep = reply_for(msg_id)
    iopub_for(msg_id)
    check, check_out = run("kept + 1")
    return {"reply": summary(rep), "after": summary(check), "after_out": check_out}


# --- interrupts: synchronous loop, awaiting loop, synchronous loop after an await. ---
results["interrupt_sync"] = interrupted_run('let spins = 0;\nconsole.log("started");\nwhile (true) { spins++; }')
run('(globalThis as any).__iters = 0; (globalThis as any).__sig = globalThis[Symbol.for("ratelab.kernel.abortSignal")];')
results["interrupt_async"] = interrupted_run(
    "const sig: AbortSignal = globalThis[Symbol.for('ratelab.kernel.abortSignal')];\n"
    "(globalThis as any).__sig = sig;\n"
    "const background = (async () => {\n"
    "  while (!sig.aborted) { (globalThis as any).__iters++; await new Promise((r) => setTimeout(r, 5)); }\n"
    "})();\n"
    'console.log("started");\n'
    "for (;;) { await new Promise((r) => setTimeout(r, 20)); }"
)
time.sleep(0.3)
it1, _ = run("(globalThis as any).__iters")
_, o1 = run("[(globalThis as any).__iters, (globalThis as any).__sig.aborted, globalThis[Symbol.for('ratelab.kernel.interrupted')]()]")
time.sleep(0.3)
_, o2 = run("(globalThis as any).__iters")
results["interrupt_async"]["signal_state"] = o1
results["interrupt_async"]["iters_later"] = o2
results["interrupt_after_await"] = interrupted_run('await new Promise((r) => setTimeout(r, 10));\nlet n = 0;\nconsole.log("started");\nwhile (true) { n++; }')
# A loop inside a timer callback the cell awaits; afterwards timers must still work.
results["interrupt_in_timer"] = interrupted_run('await new Promise((r) => setTimeout(() => { console.log("started"); while (true) {} }, 10));')
_, timer_out = run("await new Promise((r) => setTimeout(r, 10));\nkept + 2")
results["interrupt_in_timer"]["timers_after"] = timer_out

# SIGINT while the cell is still compiling (600 typed declarations take a second or more): the watchdog
# re-signals once the synchronous top level runs.
slow_cell = "\n".join(f"const d{i}: number = {i} * 2;" for i in range(600)) + "\nwhile (true) {}"
msg_id = kc.execute(slow_cell)
time.sleep(0.2)
km.interrupt_kernel()
rep = reply_for(msg_id)
iopub_for(msg_id)
check, check_out = run("kept + 1")
results["interrupt_while_compiling"] = {"reply": summary(rep), "after": summary(check), "after_out": check_out}

# --- message-mode interrupt (interrupt_request on control) of an awaiting cell. ---
msg_id = kc.execute('console.log("started");\nawait new Promise((r) => setTimeout(r, 60000));')
while True:
    m = kc.get_iopub_msg(timeout=TIMEOUT)
    if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream":
        break
ctl = kc.session.msg("interrupt_request", {})
kc.control_channel.send(ctl)
ctl_rep = kc.get_control_msg(timeout=TIMEOUT)
rep = reply_for(msg_id)
iopub_for(msg_id)
results["interrupt_message"] = {"control": ctl_rep["content"], "reply": summary(rep)}

# --- output of a long synchronous loop leaves while it runs, not all at the end. ---
_, out = run("const s0 = Date.now();\nlet tick = 0;\nwhile (Date.now() - s0 < 600) {\n  if (Date.now() - s0 >= 100 * tick) console.log(`tick ${tick++}`);\n}")
results["sync_stream"] = [o["content"]["text"] for o in out if o["type"] == "stream"]

# --- display with ids, update in place, clear_output. ---
_, out = run(
    'const show = globalThis[Symbol.for("ratelab.kernel.display")];\n'
    'show({ data: { "text/plain": "v1", "text/html": "<b>v1</b>" }, metadata: { "text/html": { isolated: false } }, transient: { display_id: "prog" } }, false);\n'
    'show({ data: { "text/plain": "v2" }, transient: { display_id: "prog" } }, true);\n'
    'globalThis[Symbol.for("ratelab.kernel.clearOutput")](true);'
)
results["display"] = out

# --- runtime error tracebacks point at the cell's lines. ---
_, out = run('function inner(v: number): number {\n  if (v > 2) {\n    throw new RangeError("too big: " + v);\n  }\n  return v;\n}\ninner(1);\ninner(5);')
results["traceback"] = out

# --- async Jupyter.display returning a Promise of a bundle. ---
_, out = run('({ async [Symbol.for("Jupyter.display")]() { return { data: { "text/markdown": "**md**" }, metadata: { a: 1 } }; } })')
results["async_display"] = out

# --- history of this session. ---
hid = kc.history(hist_access_type="tail", n=2, output=True, raw=True)
results["history_tail"] = reply_for(hid)["history"]

# --- last values: null is shown, undefined is not. ---
results["last_values"] = {}
for code in ["null", "undefined", "let unused = 1;", "[undefined][0]"]:
    _, out = run(code)
    res = [o["content"]["data"]["text/plain"] for o in out if o["type"] == "execute_result"]
    results["last_values"][code] = res


# --- restart: a fresh kernel without the old variables. ---
km.restart_kernel(now=False)
kc.wait_for_ready(timeout=TIMEOUT)
drain_shell()
gone, _ = run("kept")
fresh, fresh_out = run("1 + 1")
results["restart"] = {"old_variable": summary(gone), "fresh": summary(fresh), "fresh_out": fresh_out}


# --- shutdown: the kernel exits by itself on shutdown_request, and so does its SIGINT relay child. ---
def children(pid):
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out += [int(c) for c in f.read().split()]
    return out


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


kernel_pid = km.provisioner.pid
relays = children(kernel_pid)
kc.shutdown()
shutdown_reply = kc.get_control_msg(timeout=TIMEOUT)["content"]
deadline = time.time() + 5
while time.time() < deadline and (km.is_alive() or any(alive(c) for c in relays)):
    time.sleep(0.1)
results["shutdown"] = {
    "reply": shutdown_reply,
    "kernel_exited": not km.is_alive(),
    "relay_children": len(relays),
    "relays_exited": not any(alive(c) for c in relays),
}
kc.stop_channels()
km.shutdown_kernel(now=True)
json.dump(results, sys.stdout)
