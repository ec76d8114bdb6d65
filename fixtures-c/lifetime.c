/* lifetime: new threads, fork and vfork children, and exec'd images start disarmed
 * (kernel-behaviour.md F28-F30).
 *
 * Every case arms EXCLUSIVE with the allowed region = the escape gate only, makes a task that the
 * kernel should have left disarmed call getppid through sud_gate_probe while the selector it would
 * use says BLOCK (or with a NULL selector), and then makes the same call from the task that armed,
 * as a control: a kernel that accepts the prctl but never arms must give FAIL, not PASS.
 *
 *   lifetime fork        facts: parent.pid, arm.*, child.probe.ret, child.sigsys.*, child.exit|child.signal,
 *                               parent.sigsys.*
 *   lifetime thread      facts: process.ppid, arm.*, thread.probe.ret, thread.sigsys.count, main.sigsys.*
 *   lifetime vfork       facts: parent.pid, arm.*, child.probe.ret, child.sigsys.count, child.exit|child.signal,
 *                               parent.sigsys.*
 *   lifetime exec        facts: pre.ppid, pre.arm.*, pre.sigsys.*, then (from the new image, `exec-child`)
 *                               exec_child.ran, exec_child.probe.ret, exec_child.sigsys.count
 *
 * While the selector says BLOCK, a task that is armed may make syscalls only through the escape gate:
 * libc's fork(), waitpid(), printf() and so on are dispatched. The generic handler writes ALLOW to the
 * selector (sud_policy.selector), so facts can be printed after a dispatch.
 */
#include "sud.h"
#include <linux/futex.h>
#include <pthread.h>

extern char **environ;

static volatile uint8_t *arm_block_selector(uint8_t initial, struct sud_result *arm)
{
	volatile uint8_t *sel = sud_selector_page(initial);
	sud_install_sigsys(0);
	sud_policy.selector = sel;
	*arm = sud_arm_escape(sel);
	return sel;
}

static void reap_through_escape(long pid, int *status)
{
	long w;
	do
		w = sud_gate_escape(SYS_wait4, pid, (long)status, 0, 0, 0, 0);
	while (w == -EINTR);
	if (w != pid) {
		sud_disarm_escape();
		errno = w < 0 ? (int)-w : 0;
		harness_error("wait4 through the escape gate returned %ld", w);
	}
}

/* ---------------------------------------------------------------- fork (F29)
 * The child is made by the raw fork syscall through the escape gate, so the selector is BLOCK at the
 * moment of fork and the child inherits that byte (its private copy of the page). glibc's fork() would
 * be dispatched. The child then uses libc (printf, _exit) without glibc having run its fork handlers:
 * fine for a single-threaded process whose stdout was flushed and whose locks are free. */
static int case_fork(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	fact_int("parent.pid", getpid());

	struct sud_result arm;
	volatile uint8_t *sel = arm_block_selector(SUD_BLOCK, &arm);
	long pid = SUD_ESCAPE0(SYS_fork);
	if (pid == 0) {
		/* Disarmed, as expected: the call runs natively and returns the parent's pid. Wrongly
		 * armed: it is dispatched and the handler sets the selector (this child's copy) to ALLOW,
		 * so the facts below still get printed. */
		long ret = SUD_PROBE0(SYS_getppid);
		fact_int("child.probe.ret", ret);
		fact_sigsys("child.sigsys");
		_exit(0);
	}
	if (pid < 0) {
		sud_disarm_escape();
		errno = (int)-pid;
		harness_error("fork through the escape gate");
	}
	int status;
	reap_through_escape(pid, &status);
	/* Control: the parent is still armed with the selector at BLOCK. */
	long ret = SUD_PROBE0(SYS_getppid);
	long off = sud_disarm_escape();
	(void)sel;

	fact_result("arm", arm);
	fact_wait_status("child", status);
	fact_int("parent.probe.ret", ret);
	fact_int("disarm.ret", off);
	fact_sigsys("parent.sigsys");
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- thread (F28)
 * The selector byte is shared by all threads, and a thread that (wrongly) inherited the arming would
 * use this very byte. The thread is created with the selector at ALLOW (pthread_create makes libc
 * syscalls in both threads), then the new thread itself writes BLOCK, calls, and writes ALLOW back.
 * It writes BLOCK only once the main thread has returned from pthread_create (whose last syscalls,
 * such as restoring the signal mask, may come after the new thread already runs) and says so in
 * `main_parked`. From then on the armed main thread makes no syscall outside the escape gate: it waits on a futex through
 * the escape gate, and nothing else. */
static volatile uint8_t *thread_sel;
static int thread_done; /* futex word */
static int main_parked; /* futex word: the main thread is past pthread_create */
static long thread_ret;
static int thread_count;

static void *thread_main(void *unused)
{
	(void)unused;
	while (!__atomic_load_n(&main_parked, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &main_parked, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	*thread_sel = SUD_BLOCK;
	thread_ret = SUD_PROBE0(SYS_getppid);
	*thread_sel = SUD_ALLOW;
	thread_count = sud_seen.count;
	__atomic_store_n(&thread_done, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &thread_done, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return NULL;
}

static int case_thread(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	fact_int("process.ppid", getppid());

	struct sud_result arm;
	thread_sel = arm_block_selector(SUD_ALLOW, &arm);
	pthread_t t;
	int e = pthread_create(&t, NULL, thread_main, NULL);
	if (e) {
		sud_disarm_escape();
		errno = e;
		harness_error("pthread_create");
	}
	__atomic_store_n(&main_parked, 1, __ATOMIC_SEQ_CST);
	sud_gate_escape(SYS_futex, (long)&main_parked, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	while (!__atomic_load_n(&thread_done, __ATOMIC_SEQ_CST))
		sud_gate_escape(SYS_futex, (long)&thread_done, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	pthread_join(t, NULL); /* the selector is ALLOW again: libc may make its syscalls */

	/* Control: the main thread is still armed. Forget what the thread's handler may have recorded. */
	memset((void *)&sud_seen, 0, sizeof sud_seen);
	*thread_sel = SUD_BLOCK;
	long ret = SUD_PROBE0(SYS_getppid);
	long off = sud_disarm_escape();

	fact_result("arm", arm);
	fact_int("thread.probe.ret", thread_ret);
	fact_int("thread.sigsys.count", thread_count);
	fact_int("main.probe.ret", ret);
	fact_int("disarm.ret", off);
	fact_sigsys("main.sigsys");
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- vfork (F29)
 * The vfork syscall itself goes through the escape gate with the selector at BLOCK. A vfork child
 * shares the parent's memory, stack included, while the parent is suspended until the child exits.
 * Returning from the gate (a function) and then calling anything on the shared stack would overwrite
 * the return address the parent's `ret` in the gate reads when it resumes; so lifetime_vfork (asm)
 * switches the child to a stack of its own right after the gate returns, before anything is pushed,
 * and calls vfork_child there, which never returns.
 * vfork_child uses no libc at all: one call through sud_gate_probe, stores to globals (the parent reads
 * them after the child is gone: the memory is shared), exit_group through the escape gate. That is
 * the only state it touches; libc's (stdio, TLS, locks) stays exactly as the suspended parent left it.
 * The selector byte it sees is the parent's own BLOCK byte, the one it would use if it were armed. */
long lifetime_vfork(void (*child)(void), void *child_stack_top);
__asm__(".text\n"
	".globl lifetime_vfork\n"
	".type lifetime_vfork,@function\n"
	"lifetime_vfork:\n"
	"	push %rbx\n"
	"	push %r12\n"
	"	sub $8, %rsp\n" /* 16-byte aligned at the call */
	"	mov %rdi, %rbx\n"
	"	mov %rsi, %r12\n"
	"	mov $58, %edi\n" /* SYS_vfork */
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %ecx, %ecx\n"
	"	xor %r8d, %r8d\n"
	"	xor %r9d, %r9d\n"
	"	call sud_gate_escape\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	mov %r12, %rsp\n" /* child: own stack before any push */
	"	call *%rbx\n"
	"	ud2\n"
	"1:	add $8, %rsp\n"
	"	pop %r12\n"
	"	pop %rbx\n"
	"	ret\n"
	".size lifetime_vfork, . - lifetime_vfork\n");
_Static_assert(SYS_vfork == 58, "lifetime_vfork hard-codes the x86-64 vfork number");

static uint8_t vfork_stack[64 * 1024] __attribute__((aligned(16)));
static volatile long vfork_child_ret;
static volatile int vfork_child_count;

static __attribute__((noreturn, used)) void vfork_child(void)
{
	vfork_child_ret = SUD_PROBE0(SYS_getppid);
	vfork_child_count = sud_seen.count;
	for (;;)
		SUD_ESCAPE0(SYS_exit_group);
}

static int case_vfork(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	fact_int("parent.pid", getpid());

	struct sud_result arm;
	volatile uint8_t *sel = arm_block_selector(SUD_BLOCK, &arm);
	long pid = lifetime_vfork(vfork_child, vfork_stack + sizeof vfork_stack);
	if (pid < 0) {
		sud_disarm_escape();
		errno = (int)-pid;
		harness_error("vfork through the escape gate");
	}
	int status;
	reap_through_escape(pid, &status);
	/* Control: the parent is still armed. A wrongly armed child's handler wrote ALLOW to the shared
	 * selector and counted in the shared record: start over. */
	int child_count = vfork_child_count;
	memset((void *)&sud_seen, 0, sizeof sud_seen);
	*sel = SUD_BLOCK;
	long ret = SUD_PROBE0(SYS_getppid);
	long off = sud_disarm_escape();

	fact_result("arm", arm);
	fact_wait_status("child", status);
	fact_int("child.probe.ret", vfork_child_ret);
	fact_int("child.sigsys.count", child_count);
	fact_int("parent.probe.ret", ret);
	fact_int("disarm.ret", off);
	fact_sigsys("parent.sigsys");
	return SUD_EXIT_RAN;
}

/* ---------------------------------------------------------------- exec (F30)
 * Armed with a NULL selector (every syscall outside the escape gate dispatched), the task execs its
 * own binary through the escape gate. Were it still armed afterwards, the new image's first syscall
 * (the dynamic loader's, or the static startup code's, none inside the old escape gate) would be
 * dispatched with SIGSYS at its default disposition (exec resets handlers): killed by SIGSYS.
 *
 * Control, before that: the same NULL-selector arming dispatches a probe call. With a NULL selector
 * the libc restorer's rt_sigreturn would itself be dispatched while SIGSYS is blocked (D22), so this
 * case's handler disarms through the escape gate before returning; then it re-arms for the exec. */
static void disarming_handler(int sig, siginfo_t *info, void *uc)
{
	sud_sigsys_handler(sig, info, uc);
	sud_disarm_escape();
}

static int case_exec(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sud_reset_signals();
	sud_require();
	fact_int("pre.ppid", getppid());

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = disarming_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		harness_error("sigaction(SIGSYS)");

	struct sud_result arm = sud_arm_escape(NULL);
	long ret = SUD_PROBE0(SYS_getppid);
	sud_disarm_escape(); /* the handler did already, if it ran */
	fact_result("pre.arm", arm);
	fact_int("pre.probe.ret", ret);
	fact_sigsys("pre.sigsys");

	static char self[] = "/proc/self/exe", name[] = "lifetime", child_case[] = "exec-child";
	char *args[] = {name, child_case, NULL};
	struct sud_result rearm = sud_arm_escape(NULL);
	if (rearm.ret != 0) {
		/* Not armed: printing is safe. The scenario sees exec_child.ran missing. */
		fact_result("rearm", rearm);
		return SUD_EXIT_RAN;
	}
	/* Armed with NULL: nothing but escape-gate syscalls until exec. */
	long e = sud_gate_escape(SYS_execve, (long)self, (long)args, (long)environ, 0, 0, 0);
	sud_disarm_escape();
	errno = (int)-e;
	harness_error("execve %s through the escape gate", self);
}

/* The new image: it got here only if its startup syscalls were not dispatched. */
static int case_exec_child(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fact("exec_child.ran", "1");
	sud_reset_signals();
	sud_install_sigsys(0);
	long ret = SUD_PROBE0(SYS_getppid);
	fact_int("exec_child.probe.ret", ret);
	fact_int("exec_child.sigsys.count", sud_seen.count);
	return SUD_EXIT_RAN;
}

static const struct sud_case cases[] = {
	{"fork", case_fork, "  a fork child (raw fork with the selector at BLOCK) starts disarmed; the parent stays armed"},
	{"thread", case_thread, "  a new pthread starts disarmed; the main thread stays armed"},
	{"vfork", case_vfork, "  a vfork child starts disarmed; the parent stays armed"},
	{"exec", case_exec, "  exec (armed, NULL selector) leaves the new image disarmed"},
	{"exec-child", case_exec_child, "  (run by `exec` through execve; not a case of its own)"},
};
SUD_MAIN(cases)
