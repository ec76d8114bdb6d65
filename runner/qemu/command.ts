// The qemu-system-x86_64 command line of the QEMU target.
//
// Two serial ports: ttyS0 is the kernel console (qemu's stdout: boot messages, panics, the agent's
// plain lines), ttyS1 carries only the agent's frames (a UNIX socket the host listens on), so kernel
// messages never land inside a frame there. An agent that finds no ttyS1 frames on the console
// instead, which the parser also reads.

export type Accel = 'tcg' | 'kvm';

export interface QemuCommandInput {
  kernel: string;
  initrd: string;
  memoryMb: number;
  cpus: number;
  accel: Accel;
  /** UNIX socket the host listens on, for the agent's data channel (ttyS1). Without it the guest has
   * one serial port and the agent sends its frames over the console, among the kernel's messages. */
  dataSocket?: string;
  /** Extra kernel command line words (SUDCHECK_KERNEL_CMDLINE). */
  appendExtra?: string;
  /** --qemu-arg, appended last so that they can override. */
  extraArgs?: readonly string[];
}

export const QEMU_BINARY = 'qemu-system-x86_64';

/** The kernel command line: console on ttyS0, reboot at once on panic (which -no-reboot turns into an
 * exit), the agent as init, and only errors and worse on the console (each console byte costs time
 * under emulation). vsyscall=xonly is the upstream default, which some distributions (Debian: none)
 * change: with it the legacy vsyscall scenarios run instead of skipping. */
export function kernelCmdline(extra = ''): string {
  return ['console=ttyS0,115200', 'panic=-1', 'rdinit=/init', 'quiet', 'loglevel=4', 'no_timer_check', 'vsyscall=xonly', extra]
    .filter(Boolean)
    .join(' ');
}

export function qemuArgs(i: QemuCommandInput): string[] {
  const accel = i.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'qemu64'];
  return [
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-machine', 'pc',
    ...accel,
    '-smp', String(i.cpus),
    '-m', String(i.memoryMb),
    '-no-reboot',
    '-kernel', i.kernel,
    '-initrd', i.initrd,
    '-append', kernelCmdline(i.appendExtra),
    '-chardev', 'stdio,id=console,signal=off',
    '-serial', 'chardev:console',
    ...(i.dataSocket ? ['-chardev', `socket,id=data,path=${i.dataSocket}`, '-serial', 'chardev:data'] : []),
    '-monitor', 'none',
    ...(i.extraArgs ?? []),
  ];
}
