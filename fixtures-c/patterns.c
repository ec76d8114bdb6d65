/* patterns: what real users of Syscall User Dispatch build on it (kernel-behaviour.md "Known users",
 * C13, C14, C17, D22, F28).
 *
 *   patterns wine-fallback
 *       Wine's fallback: the handler disarms with prctl(OFF) through a gate inside the region, moves RIP
 *       back by 2 (onto the `syscall` instruction) and returns; the syscall re-runs natively with the
 *       registers the kernel rolled back. The syscall is recvfrom(2) on an AF_UNIX datagram socket, whose
 *       six arguments all leave a trace: fd (which socket), buf (the data), len (the truncated length
 *       returned), flags = MSG_PEEK|MSG_DONTWAIT (the message is still queued afterwards), src_addr (the
 *       sender's name written there) and addrlen (the name's length written back).
 *       facts: addr.insn, addr.after, tx.name, tx.addrlen, msg.len, msg.head (the first `len` bytes sent),
 *       args.rdi..args.r9, arm.*, handler.count, handler.syscall, handler.rip, handler.rip_rerun,
 *       handler.insn_bytes, handler.rdi..handler.r9, handler.disarm.ret, call.ret, call.data, call.src,
 *       call.srclen, after.recv.ret, after.empty.ret, after.empty.errno.
 *   patterns lazypoline
 *       lazypoline's shape: a per-thread selector (a __thread byte), armed in every thread; the handler
 *       checks si_errno == 0, si_code == 2 and REG_RAX == si_syscall, writes ALLOW to its thread's byte,
 *       runs the syscall natively, writes BLOCK back and returns through an SA_RESTORER trampoline that is
 *       the allowed region. Two threads (main and one pthread) each make 3 x 100 syscalls with their byte at
 *       BLOCK the whole time: gettid and getpid through sud_gate_probe, getppid through glibc.
 *       facts per thread T (main, thread): T.arm.*, T.calls, T.dispatches, T.wrong, T.bad_errno, T.bad_code,
 *       T.bad_rax, T.bad_sel_entry, T.sel_not_block, T.off.ret; and sel.distinct.
 *   patterns emulation-loop
 *       an emulator's loop: 1000 syscalls, a deterministic mix of getpid, getppid and write(pipe, 4 bytes),
 *       all dispatched (selector BLOCK throughout); the handler emulates them by si_syscall and sets REG_RAX
 *       (getpid, getppid from values read before arming; write by writing natively through a gate inside
 *       the region), and returns through the in-region trampoline.
 *       facts: arm.*, calls, calls.getpid, calls.getppid, calls.write, dispatched, wrong (calls whose return
 *       value was not the native result), first_wrong.* (only if any), bad_rax, unknown, selector.changed,
 *       pipe.bytes, pipe.expected, pipe.in_order, disarm.*.
 */
#include "sud.h"
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

/* ---------------------------------------------------------------- the allowed region
 * One contiguous block: an rt_sigreturn trampoline (the SA_RESTORER of the raw-installed handlers) and a
 * raw gate for native syscalls. [patterns_region, patterns_region_end) covers both post-syscall addresses. */
long patterns_native(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern const char patterns_region[], patterns_region_end[], patterns_restorer[];
__asm__(".text\n"
	".p2align 4\n"
	".globl patterns_region\n"
	"patterns_region:\n"
	".globl patterns_restorer\n"
	".type patterns_restorer,@function\n"
	"patterns_restorer:\n"
	"	mov $15, %eax\n" /* __NR_rt_sigreturn */
	"	syscall\n"
	"	ud2\n"
	".size patterns_restorer, . - patterns_restorer\n"
	".p2align 4\n" SUD_GATE(patterns_native)
	"	int3\n"
	".globl patterns_region_end\n"
	"patterns_region_end:\n");

static uint64_t region_off(void) { return sud_addr(patterns_region); }
static uint64_t region_len(void) { return sud_addr(patterns_region_end) - sud_addr(patterns_region); }

/* SIGSYS handler returning through patterns_restorer (inside the region). */
static void install_with_restorer(void (*handler)(int, siginfo_t *, void *))
{
	sud_sigaction_restorer(SIGSYS, handler, 0, patterns_restorer);
}

/* ---------------------------------------------------------------- wine-fallback */

static uint64_t wine_rip_rerun;
static unsigned wine_insn_bytes;
static long wine_disarm = -1;
static volatile uint8_t *wine_sel;

static void wine_handler(int sig, siginfo_t *info, void *uc_)
{
	greg_t *g = ((ucontext_t *)uc_)->uc_mcontext.gregs;
	sud_sigsys_handler(sig, info, uc_); /* records siginfo and registers; changes nothing */
	if (sud_seen.count > 1) {
		/* The re-run was dispatched again (the disarm did not take): do not rewind a second time, or
		 * this would loop forever; let glibc's restorer run and the facts show it. */
		*wine_sel = SUD_ALLOW;
		return;
	}
	wine_disarm = sud_disarm_escape();  /* prctl(OFF) from inside the region */
	g[REG_RIP] -= 2;                    /* back onto the 2-byte syscall instruction */
	wine_rip_rerun = (uint64_t)g[REG_RIP];
	const uint8_t *p = (const uint8_t *)(uintptr_t)wine_rip_rerun;
	wine_insn_bytes = (unsigned)p[0] << 8 | p[1];
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	size_t n = strlen(name);
	memcpy(a->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int case_wine_fallback(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();

	char rx_name[64], tx_name[64];
	snprintf(rx_name, sizeof rx_name, "sudcheck-wine-rx-%d", (int)getpid());
	snprintf(tx_name, sizeof tx_name, "sudcheck-wine-tx-%d", (int)getpid());
	struct sockaddr_un rx_addr, tx_addr;
	socklen_t rx_len = abstract_addr(&rx_addr, rx_name), tx_len = abstract_addr(&tx_addr, tx_name);
	int rx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), tx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rx < 0 || tx < 0)
		harness_error("socket");
	if (bind(rx, (struct sockaddr *)&rx_addr, rx_len) || bind(tx, (struct sockaddr *)&tx_addr, tx_len))
		harness_error("bind");
	static const char msg[] = "wine-fallback:0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN";
	_Static_assert(sizeof msg - 1 == 64, "a 64-byte message");
	if (sendto(tx, msg, 64, 0, (struct sockaddr *)&rx_addr, rx_len) != 64)
		harness_error("sendto");

	enum { LEN = 37 };
	char buf[65];
	memset(buf, 0, sizeof buf);
	struct sockaddr_un src;
	memset(&src, 0, sizeof src);
	socklen_t srclen = sizeof src;
	const long args[6] = {rx, (long)buf, LEN, MSG_PEEK | MSG_DONTWAIT, (long)&src, (long)&srclen};

	fact_hex("addr.insn", sud_addr(sud_gate_probe_insn));
	fact_hex("addr.after", sud_addr(sud_gate_probe_after));
	fact("tx.name", "%s", tx_name);
	fact_int("tx.addrlen", tx_len);
	fact_int("msg.len", LEN);
	fact("msg.head", "%.*s", LEN, msg);
	static const char *regs[6] = {"rdi", "rsi", "rdx", "r10", "r8", "r9"};
	for (int i = 0; i < 6; i++) {
		char key[32];
		snprintf(key, sizeof key, "args.%s", regs[i]);
		fact_hex(key, (uint64_t)args[i]);
	}

	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);
	wine_sel = sel;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = wine_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		harness_error("sigaction(SIGSYS)");

	struct sud_result arm = sud_arm_escape(sel);
	long ret = 0;
	if (arm.ret == 0) {
		*sel = SUD_BLOCK;
		ret = sud_gate_probe(SYS_recvfrom, args[0], args[1], args[2], args[3], args[4], args[5]);
		*sel = SUD_ALLOW;
		sud_disarm_escape(); /* the handler did, if it ran */
	}
	fact_result("arm", arm);
	if (arm.ret != 0)
		return SUD_EXIT_RAN;

	fact_int("handler.count", sud_seen.count);
	if (sud_seen.count) {
		fact_int("handler.syscall", sud_seen.syscall_nr);
		fact_hex("handler.rip", sud_seen.rip);
		fact_hex("handler.rip_rerun", wine_rip_rerun);
		fact("handler.insn_bytes", "%04x", wine_insn_bytes);
		fact_hex("handler.rdi", sud_seen.rdi);
		fact_hex("handler.rsi", sud_seen.rsi);
		fact_hex("handler.rdx", sud_seen.rdx);
		fact_hex("handler.r10", sud_seen.r10);
		fact_hex("handler.r8", sud_seen.r8);
		fact_hex("handler.r9", sud_seen.r9);
		fact_int("handler.disarm.ret", wine_disarm);
	}
	fact_int("call.ret", ret);
	fact("call.data", "%s", buf);
	size_t name_len = srclen > offsetof(struct sockaddr_un, sun_path) + 1 ? srclen - offsetof(struct sockaddr_un, sun_path) - 1 : 0;
	if (name_len > sizeof src.sun_path - 1)
		name_len = sizeof src.sun_path - 1;
	fact("call.src", "%.*s", (int)name_len, src.sun_path + 1);
	fact_int("call.srclen", srclen);

	/* MSG_PEEK left the message queued: a plain receive gets all of it, and then the queue is empty. */
	char again[128];
	long r2 = recv(rx, again, sizeof again, MSG_DONTWAIT);
	fact_int("after.recv.ret", r2);
	errno = 0;
	long r3 = recv(rx, again, sizeof again, MSG_DONTWAIT);
	fact_int("after.empty.ret", r3);
	fact("after.empty.errno", "%s", errno_name(r3 < 0 ? errno : 0));
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- lazypoline */

struct lp_stats {
	long arm_ret;
	int arm_err;
	long off_ret;
	int calls, dispatches, wrong, bad_errno, bad_code, bad_rax, bad_sel_entry, sel_not_block;
	uint64_t sel_addr;
};

static __thread volatile uint8_t lp_sel; /* zero: ALLOW */
static __thread struct lp_stats *lp_st;

static void lp_handler(int sig, siginfo_t *info, void *uc_)
{
	(void)sig;
	greg_t *g = ((ucontext_t *)uc_)->uc_mcontext.gregs;
	struct lp_stats *st = lp_st;
	st->dispatches++;
	if (info->si_errno != 0)
		st->bad_errno++;
	if (info->si_code != SUD_SI_CODE)
		st->bad_code++;
	if ((long)g[REG_RAX] != (long)info->si_syscall)
		st->bad_rax++;
	if (lp_sel != SUD_BLOCK)
		st->bad_sel_entry++;
	lp_sel = SUD_ALLOW;
	g[REG_RAX] = sud_gate_escape(g[REG_RAX], g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]);
	lp_sel = SUD_BLOCK; /* and return with BLOCK, through the restorer inside the region */
}

enum { LP_ROUNDS = 100 };

static void lp_run(struct lp_stats *st)
{
	lp_st = st;
	st->sel_addr = sud_addr(&lp_sel);
	long tid = syscall(SYS_gettid), pid = getpid(), ppid = getppid();
	struct sud_result arm = sud_prctl(SUD_EXCLUSIVE, region_off(), region_len(), sud_addr(&lp_sel));
	st->arm_ret = arm.ret;
	st->arm_err = arm.err;
	if (arm.ret != 0)
		return;
	lp_sel = SUD_BLOCK;
	for (int i = 0; i < LP_ROUNDS; i++) {
		long r = SUD_PROBE0(SYS_gettid);
		st->wrong += r != tid;
		st->sel_not_block += lp_sel != SUD_BLOCK;
		r = SUD_PROBE0(SYS_getpid);
		st->wrong += r != pid;
		st->sel_not_block += lp_sel != SUD_BLOCK;
		r = getppid(); /* glibc's own syscall site */
		st->wrong += r != ppid;
		st->sel_not_block += lp_sel != SUD_BLOCK;
		st->calls += 3;
	}
	lp_sel = SUD_ALLOW;
	st->off_ret = sud_prctl(SUD_OFF, 0, 0, 0).ret;
}

static struct lp_stats lp_main_stats, lp_thread_stats;

static void *lp_thread(void *arg)
{
	(void)arg;
	lp_run(&lp_thread_stats);
	return NULL;
}

static void fact_lp(const char *who, const struct lp_stats *st)
{
	char key[64];
#define LP_F(name, val)                                          \
	do {                                                     \
		snprintf(key, sizeof key, "%s." name, who);      \
		fact_int(key, val);                              \
	} while (0)
	snprintf(key, sizeof key, "%s.arm", who);
	fact_result(key, (struct sud_result){.ret = st->arm_ret, .err = st->arm_err});
	if (st->arm_ret != 0)
		return;
	LP_F("calls", st->calls);
	LP_F("dispatches", st->dispatches);
	LP_F("wrong", st->wrong);
	LP_F("bad_errno", st->bad_errno);
	LP_F("bad_code", st->bad_code);
	LP_F("bad_rax", st->bad_rax);
	LP_F("bad_sel_entry", st->bad_sel_entry);
	LP_F("sel_not_block", st->sel_not_block);
	LP_F("off.ret", st->off_ret);
#undef LP_F
}

static int case_lazypoline(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	install_with_restorer(lp_handler);
	pthread_t t;
	int e = pthread_create(&t, NULL, lp_thread, NULL);
	if (e) {
		errno = e;
		harness_error("pthread_create");
	}
	lp_run(&lp_main_stats); /* concurrently with the thread's own run */
	e = pthread_join(t, NULL);
	if (e) {
		errno = e;
		harness_error("pthread_join");
	}
	fact_lp("main", &lp_main_stats);
	fact_lp("thread", &lp_thread_stats);
	fact_int("sel.distinct", lp_main_stats.sel_addr != lp_thread_stats.sel_addr);
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- emulation-loop */

static struct {
	long pid, ppid;
	int dispatches, bad_rax, unknown;
} emu;

static void emu_handler(int sig, siginfo_t *info, void *uc_)
{
	(void)sig;
	greg_t *g = ((ucontext_t *)uc_)->uc_mcontext.gregs;
	emu.dispatches++;
	if ((long)g[REG_RAX] != (long)info->si_syscall)
		emu.bad_rax++;
	switch (info->si_syscall) {
	case SYS_getpid:
		g[REG_RAX] = emu.pid;
		break;
	case SYS_getppid:
		g[REG_RAX] = emu.ppid;
		break;
	case SYS_write:
		/* natively, through the gate inside the region: the selector stays BLOCK */
		g[REG_RAX] = patterns_native(SYS_write, g[REG_RDI], g[REG_RSI], g[REG_RDX], 0, 0, 0);
		break;
	default:
		emu.unknown++;
		g[REG_RAX] = -ENOSYS;
	}
}

enum { EMU_CALLS = 1000 };

static int case_emulation_loop(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	int p[2];
	if (pipe(p))
		harness_error("pipe");
	emu.pid = getpid();
	emu.ppid = getppid();
	install_with_restorer(emu_handler);
	volatile uint8_t *sel = sud_selector_page(SUD_ALLOW);

	static uint32_t write_index[EMU_CALLS];
	int n_getpid = 0, n_getppid = 0, n_write = 0, wrong = 0, sel_changed = 0;
	int first_wrong = -1, first_kind = 0;
	long first_ret = 0;
	struct sud_result arm = sud_prctl(SUD_EXCLUSIVE, region_off(), region_len(), sud_addr(sel));
	if (arm.ret == 0) {
		uint32_t lcg = 0x5ca1ab1e;
		*sel = SUD_BLOCK;
		for (int i = 0; i < EMU_CALLS; i++) {
			lcg = lcg * 1103515245u + 12345u;
			int kind = (int)((lcg >> 16) % 3);
			long r, want;
			uint32_t rec = (uint32_t)i;
			switch (kind) {
			case 0:
				r = SUD_PROBE0(SYS_getpid);
				want = emu.pid;
				n_getpid++;
				break;
			case 1:
				r = SUD_PROBE0(SYS_getppid);
				want = emu.ppid;
				n_getppid++;
				break;
			default:
				r = sud_gate_probe(SYS_write, p[1], (long)&rec, sizeof rec, 0, 0, 0);
				want = sizeof rec;
				write_index[n_write++] = rec;
				break;
			}
			if (r != want && wrong++ == 0) {
				first_wrong = i;
				first_kind = kind;
				first_ret = r;
			}
			sel_changed += *sel != SUD_BLOCK;
		}
		*sel = SUD_ALLOW;
	}
	struct sud_result off = sud_prctl(SUD_OFF, 0, 0, 0);
	fact_result("arm", arm);
	if (arm.ret != 0)
		return SUD_EXIT_RAN;

	close(p[1]);
	static uint32_t got[EMU_CALLS + 1];
	size_t bytes = 0;
	for (;;) {
		ssize_t n = read(p[0], (char *)got + bytes, sizeof got - bytes);
		if (n < 0)
			harness_error("read pipe");
		if (n == 0 || bytes + (size_t)n == sizeof got) {
			bytes += (size_t)n;
			break;
		}
		bytes += (size_t)n;
	}
	int in_order = bytes == (size_t)n_write * 4 && !memcmp(got, write_index, bytes);

	static const char *kinds[] = {"getpid", "getppid", "write"};
	fact_int("calls", n_getpid + n_getppid + n_write);
	fact_int("calls.getpid", n_getpid);
	fact_int("calls.getppid", n_getppid);
	fact_int("calls.write", n_write);
	fact_int("dispatched", emu.dispatches);
	fact_int("wrong", wrong);
	if (wrong) {
		fact_int("first_wrong.index", first_wrong);
		fact("first_wrong.kind", "%s", kinds[first_kind]);
		fact_int("first_wrong.ret", first_ret);
	}
	fact_int("bad_rax", emu.bad_rax);
	fact_int("unknown", emu.unknown);
	fact_int("selector.changed", sel_changed);
	fact_int("pipe.bytes", (long long)bytes);
	fact_int("pipe.expected", (long long)n_write * 4);
	fact_int("pipe.in_order", in_order);
	fact_result("disarm", off);
	return SUD_EXIT_RAN;
}

static const struct sud_case cases[] = {
	{"wine-fallback", case_wine_fallback, "  handler: prctl(OFF) in the region, RIP -= 2, return; the syscall re-runs natively"},
	{"lazypoline", case_lazypoline, "  per-thread selectors, handler returns with BLOCK through an in-region restorer"},
	{"emulation-loop", case_emulation_loop, "  1000 mixed syscalls emulated by the handler"},
};
SUD_MAIN(cases)
