/* liar: makes the kernel lie about Syscall User Dispatch, for the project's own tests.
 *   liar einval CMD [ARGS...]  prctl(PR_SET_SYSCALL_USER_DISPATCH, ...) fails with EINVAL and the ptrace
 *                              SUD requests with EIO, as on a kernel built without the feature
 *                              (or gVisor, QEMU linux-user);
 *   liar zero CMD [ARGS...]    both return 0 and do nothing: a kernel that claims SUD but never arms.
 * The lie covers both ABIs (x86-64 prctl 157, i386 prctl 172 and ptrace 26) and is installed as a
 * seccomp filter before exec, so it applies to CMD and everything it starts. */
#include "sud.h"
#include <stddef.h>
#include <sys/prctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
/* jumps count from the next instruction: IF_EQ(v, n) goes on when equal, else skips n */
#define IF_EQ(value, skip_if_not) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (value), 0, (skip_if_not))
#define RET(value) BPF_STMT(BPF_RET | BPF_K, (value))

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "einval") && strcmp(argv[1], "zero"))) {
		fprintf(stderr, "usage: liar einval|zero CMD [ARGS...]\n");
		return 2;
	}
	int zero = !strcmp(argv[1], "zero");
	unsigned int prctl_answer = SECCOMP_RET_ERRNO | (zero ? 0 : EINVAL);
	unsigned int ptrace_answer = SECCOMP_RET_ERRNO | (zero ? 0 : EIO); /* EIO: an unknown ptrace request */
	/* The first argument (prctl's option, ptrace's request) is compared on its low 32 bits. */
	struct sock_filter filter[] = {
		/* 0 */ LOAD(arch),
		/* 1 */ IF_EQ(AUDIT_ARCH_X86_64, 11),
		/* 2 */ LOAD(nr),
		/* 3 */ IF_EQ(SYS_prctl, 3),
		/* 4 */ LOAD(args[0]),
		/* 5 */ IF_EQ(SUD_PR_SET, 13),
		/* 6 */ RET(0), /* placeholder, patched below: prctl answer */
		/* 7 */ IF_EQ(SYS_ptrace, 11),
		/* 8 */ LOAD(args[0]),
		/* 9 */ IF_EQ(SUD_PTRACE_SET, 1),
		/* 10 */ RET(0), /* placeholder: ptrace answer */
		/* 11 */ IF_EQ(SUD_PTRACE_GET, 7),
		/* 12 */ RET(0), /* placeholder: ptrace answer (GET: EIO for einval, allowed for zero) */
		/* 13 */ IF_EQ(AUDIT_ARCH_I386, 5),
		/* 14 */ LOAD(nr),
		/* 15 */ IF_EQ(172 /* i386 prctl */, 3),
		/* 16 */ LOAD(args[0]),
		/* 17 */ IF_EQ(SUD_PR_SET, 1),
		/* 18 */ RET(0), /* placeholder: prctl answer */
		/* 19 */ RET(SECCOMP_RET_ALLOW),
	};
	filter[6] = (struct sock_filter)RET(prctl_answer);
	filter[10] = (struct sock_filter)RET(ptrace_answer);
	filter[12] = (struct sock_filter)RET(zero ? SECCOMP_RET_ALLOW : ptrace_answer);
	filter[18] = (struct sock_filter)RET(prctl_answer);
	struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		perror("liar: installing the seccomp filter");
		return 2;
	}
	execvp(argv[2], argv + 2);
	perror("liar: exec");
	return 2;
}
