// Options of the QEMU target (sudcheck run --kernel, sudcheck matrix).
export interface QemuOptions {
  /** Absolute path of the kernel image (bzImage / vmlinuz) to boot. */
  kernel: string;
  /** Extra arguments appended to the qemu-system-x86_64 command line (--qemu-arg, repeatable). */
  qemuArgs: string[];
  /** Guest memory in MiB (--memory). */
  memoryMb: number;
  /** Seconds to wait for the agent's hello before the boot counts as failed (--boot-timeout). */
  bootTimeoutS: number;
}
