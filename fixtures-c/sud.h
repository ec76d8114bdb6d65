/* sud.h: the one header every sudcheck fixture shares.
 *
 * Fixture protocol (docs/fixture-protocol.md):
 *   - facts are printed on stdout as `key=value`, one per line, flushed at once,
 *     so that a fact printed before the process is killed still reaches the runner;
 *   - exit 0: the case ran to the end; exit 4 with `skip=reason`: a needed feature is absent;
 *     exit 3 with `error=what`: the fixture itself broke (the runner shows ERROR);
 *   - a death by signal is observed by the runner, never reported by the fixture.
 *
 * Each fixture is one translation unit that includes this header once: the
 * functions are static and the syscall gates are defined by top-level asm here.
 */
#ifndef SUDCHECK_SUD_H
#define SUDCHECK_SUD_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

/* Constants from include/uapi/linux/prctl.h and ptrace.h (kernel-behaviour.md item 1, 32-33).
 * Defined here so the fixtures build against old headers too. */
#define SUD_PR_SET 59
#define SUD_OFF 0UL
#define SUD_ON 1UL /* PR_SYS_DISPATCH_ON, later also EXCLUSIVE_ON */
#define SUD_EXCLUSIVE 1UL
#define SUD_INCLUSIVE 2UL /* 6.17+ */
#define SUD_ALLOW 0       /* SYSCALL_DISPATCH_FILTER_ALLOW */
#define SUD_BLOCK 1       /* SYSCALL_DISPATCH_FILTER_BLOCK */
#define SUD_SI_CODE 2     /* SYS_USER_DISPATCH */
#define SUD_SECCOMP_SI_CODE 1
#define SUD_PTRACE_SET 0x4210
#define SUD_PTRACE_GET 0x4211
#define SUD_AUDIT_ARCH_X86_64 0xc000003eU
#define SUD_AUDIT_ARCH_I386 0x40000003U

struct sud_ptrace_config {
	uint64_t mode;
	uint64_t selector;
	uint64_t offset;
	uint64_t len;
};

#define SUD_EXIT_RAN 0
#define SUD_EXIT_HARNESS 3
#define SUD_EXIT_SKIP 4

#define SUD_UNUSED __attribute__((unused))

/* ---------------------------------------------------------------- facts */

static SUD_UNUSED void fact(const char *key, const char *fmt, ...)
{
	va_list ap;
	printf("%s=", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static SUD_UNUSED void fact_hex(const char *key, uint64_t v) { fact(key, "0x%llx", (unsigned long long)v); }
static SUD_UNUSED void fact_int(const char *key, long long v) { fact(key, "%lld", v); }

static SUD_UNUSED __attribute__((noreturn, format(printf, 1, 2))) void skip(const char *fmt, ...)
{
	va_list ap;
	printf("skip=");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	_exit(SUD_EXIT_SKIP);
}

/* The fixture itself broke (a setup call failed): the runner reports ERROR, never FAIL. */
static SUD_UNUSED __attribute__((noreturn, format(printf, 1, 2))) void harness_error(const char *fmt, ...)
{
	va_list ap;
	int e = errno;
	printf("error=");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d %s)\n", e, strerror(e));
	fflush(stdout);
	_exit(SUD_EXIT_HARNESS);
}

static SUD_UNUSED const char *errno_name(int e)
{
	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: {
		static char buf[32];
		snprintf(buf, sizeof buf, "E%d", e);
		return buf;
	}
	}
}

/* Parse a number given on the command line: decimal, 0x hex, or negative (two's complement). */
static SUD_UNUSED uint64_t arg_u64(const char *s)
{
	char *end;
	errno = 0;
	uint64_t v;
	if (s[0] == '-')
		v = (uint64_t)strtoll(s, &end, 0);
	else
		v = strtoull(s, &end, 0);
	if (errno || *end || end == s)
		harness_error("bad numeric argument '%s'", s);
	return v;
}

/* ---------------------------------------------------------------- prctl */

struct sud_result {
	long ret;
	int err; /* errno, 0 on success */
};

static SUD_UNUSED struct sud_result sud_prctl(uint64_t op, uint64_t offset, uint64_t len, uint64_t selector)
{
	struct sud_result r;
	errno = 0;
	r.ret = syscall(SYS_prctl, SUD_PR_SET, op, offset, len, selector);
	r.err = r.ret == -1 ? errno : 0;
	return r;
}

/* Prints `<prefix>.ret` and `<prefix>.errno` (an errno name, or 0). */
static SUD_UNUSED void fact_result(const char *prefix, struct sud_result r)
{
	char key[128];
	snprintf(key, sizeof key, "%s.ret", prefix);
	fact_int(key, r.ret);
	snprintf(key, sizeof key, "%s.errno", prefix);
	fact(key, "%s", errno_name(r.err));
}

/* Every fixture calls this first: a kernel without SUD answers EINVAL to an all-zero OFF. */
static SUD_UNUSED void sud_require(void)
{
	struct sud_result r = sud_prctl(SUD_OFF, 0, 0, 0);
	if (r.ret != 0)
		skip("prctl(PR_SET_SYSCALL_USER_DISPATCH, OFF) failed with %s: the kernel has no Syscall User Dispatch",
		     errno_name(r.err));
}

/* ---------------------------------------------------------------- syscall gates
 * Two raw syscall gates with global labels around the `syscall` instruction, so region
 * edges can be set to the byte (the kernel compares the address AFTER the instruction):
 *   sud_gate_probe:  the syscall under test; sud_gate_probe_insn is the instruction,
 *                    sud_gate_probe_after the address the kernel compares (insn + 2).
 *   sud_gate_escape: a second, separate gate that fixtures put inside the allowed region,
 *                    to make syscalls that must run natively whatever the selector says.
 * Both take (nr, a1..a6) in the C calling convention and return rax.
 */
long sud_gate_probe(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long sud_gate_escape(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern const char sud_gate_probe_insn[], sud_gate_probe_after[], sud_gate_probe_end[];
extern const char sud_gate_escape_insn[], sud_gate_escape_after[], sud_gate_escape_end[];

#define SUD_GATE(name)                                                                   \
	".globl " #name "\n"                                                             \
	".type " #name ",@function\n"                                                    \
	#name ":\n"                                                                      \
	"	mov %rdi, %rax\n"                                                        \
	"	mov %rsi, %rdi\n"                                                        \
	"	mov %rdx, %rsi\n"                                                        \
	"	mov %rcx, %rdx\n"                                                        \
	"	mov %r8, %r10\n"                                                         \
	"	mov %r9, %r8\n"                                                          \
	"	mov 8(%rsp), %r9\n"                                                      \
	".globl " #name "_insn\n"                                                        \
	#name "_insn:\n"                                                                 \
	"	syscall\n"                                                               \
	".globl " #name "_after\n"                                                       \
	#name "_after:\n"                                                                \
	"	ret\n"                                                                   \
	".globl " #name "_end\n"                                                         \
	#name "_end:\n"                                                                  \
	".size " #name ", . - " #name "\n"

__asm__(".text\n"
	".p2align 4\n" SUD_GATE(sud_gate_probe)
	".p2align 4\n"
	"	int3\n" /* keeps the two gates apart: a region around one never touches the other */
	".p2align 4\n" SUD_GATE(sud_gate_escape)
	".p2align 4\n"
	"	int3\n");

#define SUD_PROBE0(nr) sud_gate_probe((nr), 0, 0, 0, 0, 0, 0)
#define SUD_ESCAPE0(nr) sud_gate_escape((nr), 0, 0, 0, 0, 0, 0)

static SUD_UNUSED uint64_t sud_addr(const volatile void *p) { return (uint64_t)(uintptr_t)p; }

/* Arm EXCLUSIVE with the allowed region = the escape gate only. */
static SUD_UNUSED struct sud_result sud_arm_escape(volatile uint8_t *selector)
{
	uint64_t off = sud_addr(sud_gate_escape_insn);
	uint64_t len = sud_addr(sud_gate_escape_end) - off;
	return sud_prctl(SUD_EXCLUSIVE, off, len, sud_addr(selector));
}

/* Disarm through the escape gate: works whatever the selector holds, when armed with sud_arm_escape. */
static SUD_UNUSED long sud_disarm_escape(void)
{
	return sud_gate_escape(SYS_prctl, SUD_PR_SET, SUD_OFF, 0, 0, 0, 0);
}

/* ---------------------------------------------------------------- signals */

/* Fixtures never trust inherited state: a parent may have blocked or ignored SIGSYS, and
 * both survive exec. Reset the signals a fixture relies on to default and unblocked. */
static SUD_UNUSED void sud_reset_signals(void)
{
	/* Many cases end in a SIGSYS or SIGSEGV death on purpose: no core dumps for those. */
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	int sigs[] = {SIGSYS, SIGSEGV, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT};
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		signal(sigs[i], SIG_DFL);
		sigaddset(&set, sigs[i]);
	}
	if (sigprocmask(SIG_UNBLOCK, &set, NULL))
		harness_error("sigprocmask");
}

/* What the generic SIGSYS handler saw last (kernel-behaviour.md C13-C14). */
struct sud_sigsys_record {
	volatile sig_atomic_t count;
	int signo, code, err;
	uint64_t call_addr;
	int syscall_nr;
	unsigned int arch;
	uint64_t rip, rax, rdi, rsi, rdx, r10, r8, r9, rcx, r11;
};

/* What the generic handler does besides recording. */
struct sud_sigsys_policy {
	volatile uint8_t *selector; /* when set, the handler writes SUD_ALLOW there first */
	int set_return;             /* when set, REG_RAX = return_value */
	long return_value;
	int announce; /* when set, the handler writes "handler.entered=1\n" with write(2) */
};

static struct sud_sigsys_record sud_seen;
static struct sud_sigsys_policy sud_policy;

static SUD_UNUSED void sud_sigsys_handler(int sig, siginfo_t *info, void *uc_)
{
	ucontext_t *uc = uc_;
	greg_t *g = uc->uc_mcontext.gregs;
	if (sud_policy.selector)
		*sud_policy.selector = SUD_ALLOW;
	if (sud_policy.announce) {
		static const char msg[] = "handler.entered=1\n";
		ssize_t w = write(1, msg, sizeof msg - 1);
		(void)w;
	}
	sud_seen.signo = sig;
	sud_seen.code = info->si_code;
	sud_seen.err = info->si_errno;
	sud_seen.call_addr = sud_addr(info->si_call_addr);
	sud_seen.syscall_nr = info->si_syscall;
	sud_seen.arch = info->si_arch;
	sud_seen.rip = (uint64_t)g[REG_RIP];
	sud_seen.rax = (uint64_t)g[REG_RAX];
	sud_seen.rdi = (uint64_t)g[REG_RDI];
	sud_seen.rsi = (uint64_t)g[REG_RSI];
	sud_seen.rdx = (uint64_t)g[REG_RDX];
	sud_seen.r10 = (uint64_t)g[REG_R10];
	sud_seen.r8 = (uint64_t)g[REG_R8];
	sud_seen.r9 = (uint64_t)g[REG_R9];
	sud_seen.rcx = (uint64_t)g[REG_RCX];
	sud_seen.r11 = (uint64_t)g[REG_R11];
	if (sud_policy.set_return)
		g[REG_RAX] = (greg_t)sud_policy.return_value;
	sud_seen.count++;
}

static SUD_UNUSED void sud_install_sigsys(int extra_flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = sud_sigsys_handler;
	sa.sa_flags = SA_SIGINFO | extra_flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		harness_error("sigaction(SIGSYS)");
}

/* Prints what the handler recorded as `<prefix>.<field>` facts. */
static SUD_UNUSED void fact_sigsys(const char *prefix)
{
	char key[128];
#define SUD_F(name, fn, val)                                     \
	do {                                                     \
		snprintf(key, sizeof key, "%s." name, prefix); \
		fn(key, val);                                    \
	} while (0)
	SUD_F("count", fact_int, sud_seen.count);
	if (!sud_seen.count)
		return;
	SUD_F("signo", fact_int, sud_seen.signo);
	SUD_F("code", fact_int, sud_seen.code);
	SUD_F("errno", fact_int, sud_seen.err);
	SUD_F("call_addr", fact_hex, sud_seen.call_addr);
	SUD_F("syscall", fact_int, sud_seen.syscall_nr);
	SUD_F("arch", fact_hex, sud_seen.arch);
	SUD_F("rip", fact_hex, sud_seen.rip);
	SUD_F("rax", fact_hex, sud_seen.rax);
	SUD_F("rdi", fact_hex, sud_seen.rdi);
	SUD_F("rsi", fact_hex, sud_seen.rsi);
	SUD_F("rdx", fact_hex, sud_seen.rdx);
	SUD_F("r10", fact_hex, sud_seen.r10);
	SUD_F("r8", fact_hex, sud_seen.r8);
	SUD_F("r9", fact_hex, sud_seen.r9);
	SUD_F("rcx", fact_hex, sud_seen.rcx);
	SUD_F("r11", fact_hex, sud_seen.r11);
#undef SUD_F
}

/* A handler that returns through a restorer of the fixture's choosing (glibc's sigaction() always
 * installs its own, outside any region): the raw rt_sigaction(2) with SA_RESTORER. */
#define SUD_SA_RESTORER 0x04000000UL
struct sud_kernel_sigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	const void *restorer;
	uint64_t mask;
};

static SUD_UNUSED void sud_sigaction_restorer(int sig, void (*fn)(int, siginfo_t *, void *), unsigned long extra_flags,
					      const void *restorer)
{
	struct sud_kernel_sigaction ksa = {
		.handler = fn,
		.flags = SA_SIGINFO | SUD_SA_RESTORER | extra_flags,
		.restorer = restorer,
		.mask = 0,
	};
	if (syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof ksa.mask))
		harness_error("rt_sigaction(%d) with SA_RESTORER", sig);
}

/* A restorer whose rt_sigreturn runs from the escape gate's instruction, inside the region that
 * sud_arm_escape() allows: a handler may return with the selector still BLOCK. The handler's `ret`
 * lands here with %rsp where rt_sigreturn wants it; a jmp leaves %rsp alone. */
extern const char sud_restorer_escape[];
__asm__(".text\n"
	".p2align 4\n"
	".globl sud_restorer_escape\n"
	".type sud_restorer_escape,@function\n"
	"sud_restorer_escape:\n"
	"	mov $15, %eax\n" /* SYS_rt_sigreturn */
	"	jmp sud_gate_escape_insn\n"
	".size sud_restorer_escape, . - sud_restorer_escape\n");
_Static_assert(SYS_rt_sigreturn == 15, "the restorers hard-code the x86-64 rt_sigreturn number");

/* A signal's name as facts print it: `SIGSYS`, or `SIG<n>` for one without a short name. */
static SUD_UNUSED const char *sud_signal_name(int sig)
{
	static char buf[16];
	const char *abbrev = sigabbrev_np(sig);
	if (abbrev)
		snprintf(buf, sizeof buf, "SIG%s", abbrev);
	else
		snprintf(buf, sizeof buf, "SIG%d", sig);
	return buf;
}

/* How a child ended, as raw facts: `<prefix>.exit=<code>` or `<prefix>.signal=<SIGNAME>`. */
static SUD_UNUSED void fact_wait_status(const char *prefix, int status)
{
	char key[64];
	if (WIFEXITED(status)) {
		snprintf(key, sizeof key, "%s.exit", prefix);
		fact_int(key, WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		snprintf(key, sizeof key, "%s.signal", prefix);
		fact(key, "%s", sud_signal_name(WTERMSIG(status)));
	} else {
		harness_error("unexpected wait status 0x%x", status);
	}
}

/* A page of its own for a selector, so it can be unmapped or protected without touching anything else. */
static SUD_UNUSED volatile uint8_t *sud_selector_page(uint8_t initial)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		harness_error("mmap selector page");
	*(volatile uint8_t *)p = initial;
	return p;
}

/* Fixture entry: `fixture <case> [args...]`; each fixture has a table of cases. */
struct sud_case {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the case name */
	const char *usage;
};

static SUD_UNUSED int sud_dispatch_case(const struct sud_case *cases, size_t n, int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2) {
		for (size_t i = 0; i < n; i++)
			if (!strcmp(argv[1], cases[i].name))
				return cases[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "usage: %s CASE [ARGS]\ncases:\n", argv[0]);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "  %s %s\n", cases[i].name, cases[i].usage ? cases[i].usage : "");
	printf("error=unknown case '%s'\n", argc >= 2 ? argv[1] : "");
	fflush(stdout);
	return SUD_EXIT_HARNESS;
}

#define SUD_MAIN(cases)                                                               \
	int main(int argc, char **argv)                                               \
	{                                                                             \
		return sud_dispatch_case(cases, sizeof cases / sizeof cases[0], argc, argv); \
	}

#endif
