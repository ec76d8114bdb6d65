/* threads: the configuration is per thread (kernel-behaviour.md F28 "per thread", B8, B10; the draft's
 * "a process").
 *
 *   threads selectors   workers A and B each arm with their own selector byte (two adjacent bytes of one
 *                       page) and the same region (the escape gate). Phase 1: A's byte BLOCK, B's ALLOW;
 *                       phase 2 the other way round. Each worker probes getppid once per phase.
 *   threads arming      worker A arms with a shared selector byte; its sibling B and the main thread (which
 *                       created both) do not. With the byte at BLOCK, B and main probe, then A (control).
 *   threads disarm      A and B both arm with one shared byte; B disarms (prctl OFF in B). With BLOCK, A
 *                       probes (still armed) and B probes (disarmed).
 *   threads region      one shared BLOCK byte; A arms with the region = the escape gate (the probe gate is
 *                       outside it), then B with the region = both gates (the probe gate is inside).
 *
 * The main thread is never armed: it coordinates the workers through pipes and reports. An armed worker
 * makes no syscall outside the escape gate except its probe: it waits for commands (read) and answers
 * (write) through the escape gate. Its SIGSYS handler writes ALLOW to the worker's own selector (a
 * thread-local pointer) and sets a distinctive return value; after the probe the worker writes back the
 * byte the main thread had set, so every phase's values hold for every probe of that phase.
 *
 * Facts: getppid, addr.after, then per worker W (a, b) and step: `W.arm.ret`/`W.arm.errno`, and per probe
 * `<step>.W.dispatched`, `<step>.W.ret` (hex), `<step>.W.call_addr` (when dispatched); main's own probe
 * `<step>.main.*`; `W.off.ret` for a disarm; `W.quit.ret` for the final disarm.
 */
#include "sud.h"
#include <pthread.h>

#define THREADS_DISPATCHED_RET 0x5ddeadL

/* The handler's per-thread state. */
static __thread volatile uint8_t *tls_sel;
static __thread volatile int tls_count;
static __thread uint64_t tls_call_addr;

static void thread_handler(int sig, siginfo_t *info, void *uc_)
{
	(void)sig;
	greg_t *g = ((ucontext_t *)uc_)->uc_mcontext.gregs;
	if (tls_sel)
		*tls_sel = SUD_ALLOW; /* glibc's restorer is outside the region */
	tls_call_addr = sud_addr(info->si_call_addr);
	g[REG_RAX] = THREADS_DISPATCHED_RET;
	tls_count++;
}

struct probe_result {
	long ret;
	int dispatched;
	uint64_t call_addr;
};

/* One getppid through the probe gate from the calling thread; the selector byte it would use is put
 * back to what it held before (the handler writes ALLOW). */
static struct probe_result probe(volatile uint8_t *sel)
{
	uint8_t v = sel ? *sel : 0;
	int before = tls_count;
	struct probe_result r;
	r.ret = SUD_PROBE0(SYS_getppid);
	if (sel)
		*sel = v;
	r.dispatched = tls_count - before;
	r.call_addr = r.dispatched ? tls_call_addr : 0;
	return r;
}

/* ---------------------------------------------------------------- workers */

enum region { REGION_ESCAPE, REGION_BOTH_GATES };

struct command {
	char op; /* 'a' arm, 'p' probe, 'o' off, 'q' disarm and quit */
	enum region region;
};

struct reply {
	long ret;
	int err;
	struct probe_result probe;
};

struct worker {
	const char *name;
	pthread_t thread;
	int cmd[2], res[2];
	volatile uint8_t *sel;
};

static long escape_io(long nr, int fd, void *buf, size_t len)
{
	long n;
	do
		n = sud_gate_escape(nr, fd, (long)buf, (long)len, 0, 0, 0);
	while (n == -EINTR);
	return n;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	tls_sel = w->sel;
	for (;;) {
		struct command c;
		if (escape_io(SYS_read, w->cmd[0], &c, sizeof c) != sizeof c)
			break;
		struct reply r;
		memset(&r, 0, sizeof r);
		switch (c.op) {
		case 'a': {
			uint64_t off = c.region == REGION_ESCAPE ? sud_addr(sud_gate_escape_insn) : (uint64_t)(uintptr_t)sud_gate_probe;
			uint64_t len = sud_addr(sud_gate_escape_end) - off;
			/* Not armed yet: this prctl is not dispatched whatever the selector holds. */
			struct sud_result a = sud_prctl(SUD_EXCLUSIVE, off, len, sud_addr(w->sel));
			r.ret = a.ret;
			r.err = a.err;
			break;
		}
		case 'p':
			r.probe = probe(w->sel);
			break;
		case 'o':
		case 'q':
			r.ret = sud_disarm_escape();
			break;
		}
		escape_io(SYS_write, w->res[1], &r, sizeof r);
		if (c.op == 'q')
			return NULL;
	}
	/* The main thread went away: nothing to report to. */
	sud_disarm_escape();
	return NULL;
}

static void start(struct worker *w, const char *name, volatile uint8_t *sel)
{
	w->name = name;
	w->sel = sel;
	if (pipe(w->cmd) || pipe(w->res))
		harness_error("pipe");
	int e = pthread_create(&w->thread, NULL, worker_main, w);
	if (e) {
		errno = e;
		harness_error("pthread_create");
	}
}

/* The main thread is never armed: libc's read and write are fine here. */
static struct reply ask(struct worker *w, char op, enum region region)
{
	struct command c = {.op = op, .region = region};
	struct reply r;
	if (write(w->cmd[1], &c, sizeof c) != sizeof c)
		harness_error("write command to %s", w->name);
	if (read(w->res[0], &r, sizeof r) != sizeof r)
		harness_error("read reply from %s", w->name);
	return r;
}

static void fact_arm(struct worker *w, struct reply r)
{
	char key[64];
	snprintf(key, sizeof key, "%s.arm", w->name);
	fact_result(key, (struct sud_result){.ret = r.ret, .err = r.err});
}

static void fact_probe(const char *step, const char *who, struct probe_result p)
{
	char key[96];
	snprintf(key, sizeof key, "%s.%s.dispatched", step, who);
	fact_int(key, p.dispatched);
	snprintf(key, sizeof key, "%s.%s.ret", step, who);
	fact_hex(key, (uint64_t)p.ret);
	if (p.dispatched) {
		snprintf(key, sizeof key, "%s.%s.call_addr", step, who);
		fact_hex(key, p.call_addr);
	}
}

static void fact_raw(const char *who, const char *what, long raw)
{
	char key[64];
	snprintf(key, sizeof key, "%s.%s.ret", who, what);
	fact_int(key, raw);
}

/* Disarms and joins a worker; the selector bytes are ALLOW by then. */
static void finish(struct worker *w)
{
	struct reply r = ask(w, 'q', REGION_ESCAPE);
	fact_raw(w->name, "quit", r.ret);
	pthread_join(w->thread, NULL);
}

static void common_setup(void)
{
	sud_reset_signals();
	sud_require();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = thread_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		harness_error("sigaction(SIGSYS)");
	fact_hex("getppid", (uint64_t)getppid());
	fact_hex("addr.after", sud_addr(sud_gate_probe_after));
}

/* ---------------------------------------------------------------- selectors */

static int case_selectors(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	common_setup();
	volatile uint8_t *page = sud_selector_page(SUD_ALLOW);
	page[1] = SUD_ALLOW;
	struct worker a, b;
	start(&a, "a", page);
	start(&b, "b", page + 1);
	fact_arm(&a, ask(&a, 'a', REGION_ESCAPE));
	fact_arm(&b, ask(&b, 'a', REGION_ESCAPE));

	*a.sel = SUD_BLOCK;
	*b.sel = SUD_ALLOW;
	struct probe_result a1 = ask(&a, 'p', 0).probe;
	struct probe_result b1 = ask(&b, 'p', 0).probe;
	*a.sel = SUD_ALLOW;
	*b.sel = SUD_BLOCK;
	struct probe_result a2 = ask(&a, 'p', 0).probe;
	struct probe_result b2 = ask(&b, 'p', 0).probe;
	*a.sel = *b.sel = SUD_ALLOW;

	fact_probe("phase1", "a", a1);
	fact_probe("phase1", "b", b1);
	fact_probe("phase2", "a", a2);
	fact_probe("phase2", "b", b2);
	finish(&a);
	finish(&b);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- arming */

static int case_arming(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	common_setup();
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	struct worker a, b;
	start(&a, "a", sel);
	start(&b, "b", sel);
	fact_arm(&a, ask(&a, 'a', REGION_ESCAPE));

	*sel = SUD_BLOCK;
	struct probe_result pb = ask(&b, 'p', 0).probe;
	tls_sel = sel; /* were the main thread wrongly armed, its handler must write ALLOW for the restorer */
	struct probe_result pm = probe(sel); /* the main thread, which created A */
	tls_sel = NULL;
	struct probe_result pa = ask(&a, 'p', 0).probe;
	*sel = SUD_ALLOW;

	fact_probe("block", "b", pb);
	fact_probe("block", "main", pm);
	fact_probe("block", "a", pa);
	finish(&a);
	finish(&b);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- disarm */

static int case_disarm(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	common_setup();
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	struct worker a, b;
	start(&a, "a", sel);
	start(&b, "b", sel);
	fact_arm(&a, ask(&a, 'a', REGION_ESCAPE));
	fact_arm(&b, ask(&b, 'a', REGION_ESCAPE));

	*sel = SUD_BLOCK;
	struct probe_result b0 = ask(&b, 'p', 0).probe; /* control: B was armed before its OFF */
	fact_raw("b", "off", ask(&b, 'o', 0).ret);
	struct probe_result pa = ask(&a, 'p', 0).probe;
	struct probe_result pb = ask(&b, 'p', 0).probe;
	*sel = SUD_ALLOW;

	fact_probe("before_off", "b", b0);
	fact_probe("after_off", "a", pa);
	fact_probe("after_off", "b", pb);
	finish(&a);
	finish(&b);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- region */

static int case_region(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	common_setup();
	fact_hex("addr.probe_gate", (uint64_t)(uintptr_t)sud_gate_probe);
	fact_hex("addr.escape_end", sud_addr(sud_gate_escape_end));
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	struct worker a, b;
	start(&a, "a", sel);
	start(&b, "b", sel);
	fact_arm(&a, ask(&a, 'a', REGION_ESCAPE));
	fact_arm(&b, ask(&b, 'a', REGION_BOTH_GATES)); /* after A: it must not replace A's region */

	*sel = SUD_BLOCK;
	struct probe_result pa = ask(&a, 'p', 0).probe;
	struct probe_result pb = ask(&b, 'p', 0).probe;
	*sel = SUD_ALLOW;

	fact_probe("block", "a", pa);
	fact_probe("block", "b", pb);
	finish(&a);
	finish(&b);
	return SUD_EXIT_RAN;
}

static const struct sud_case cases[] = {
	{"selectors", case_selectors, "  two armed threads, each with its own selector byte"},
	{"arming", case_arming, "  one thread arms; its sibling and its creator stay disarmed"},
	{"disarm", case_disarm, "  two armed threads; one disarms, the other stays armed"},
	{"region", case_region, "  two armed threads, one selector, different regions"},
};
SUD_MAIN(cases)
