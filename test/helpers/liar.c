/* liar: makes the kernel lie about Syscall User Dispatch, for the project's own tests.
 *   liar einval CMD [ARGS...]  prctl(PR_SET_SYSCALL_USER_DISPATCH, ...) fails with EINVAL,
 *                              as on a kernel built without the feature (or gVisor, QEMU linux-user);
 *   liar zero CMD [ARGS...]    it returns 0 and does nothing: a kernel that claims SUD but never dispatches.
 * A seccomp filter installed before exec applies to CMD and everything it starts. */
#include "sud.h"
#include <stddef.h>
#include <sys/prctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "einval") && strcmp(argv[1], "zero"))) {
		fprintf(stderr, "usage: liar einval|zero CMD [ARGS...]\n");
		return 2;
	}
	unsigned int answer = strcmp(argv[1], "einval") ? 0 : EINVAL;
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* prctl's option is an int: the low 32 bits of the first argument */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SUD_PR_SET, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | answer),
	};
	struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		perror("liar: installing the seccomp filter");
		return 2;
	}
	execvp(argv[2], argv + 2);
	perror("liar: exec");
	return 2;
}
