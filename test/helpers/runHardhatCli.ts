import { spawn } from "node:child_process";
import path from "node:path";

/** What a `hardhat …` command printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const HARDHAT = path.join(process.cwd(), "node_modules", ".bin", "hardhat");

// Hardhat's own CI detection (hardhat-utils ci.js): in CI it shows stack traces for its errors
// and skips the keystore, so a command run "as an operator" must not inherit these.
const CI_VARIABLES = [
  "CI",
  "CONTINUOUS_INTEGRATION",
  "GITHUB_ACTIONS",
  "BUILD_NUMBER",
  "RUN_ID",
  "NOW",
  "DEPLOYMENT_ID",
  "CODEBUILD_BUILD_NUMBER",
];

/**
 * Runs `node_modules/.bin/hardhat <args>` in a process of its own, as an operator types it in a
 * terminal: without the variables `hardhat test` sets for itself (HH_TEST makes the keystore
 * refuse anything but its development store) and without CI markers, plus `env` (a value of
 * undefined removes a variable). stdin is closed unless `input` is given, so anything that
 * prompts fails instead of hanging.
 *
 * @example
 * const { code, stdout } = await runHardhatCli(["roles:grant", "--help"]);
 */
export function runHardhatCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  { input, timeoutMs = 60_000 }: { input?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const childEnv: Record<string, string | undefined> = { ...process.env, HH_TEST: undefined };
  for (const name of CI_VARIABLES) childEnv[name] = undefined;
  Object.assign(childEnv, env);
  for (const [name, value] of Object.entries(childEnv))
    if (value === undefined) delete childEnv[name];

  const child = spawn(HARDHAT, args, {
    cwd: process.cwd(),
    env: childEnv as NodeJS.ProcessEnv,
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    detached: true,
  });
  if (input !== undefined) child.stdin!.end(input);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => {
    stderr += `\n[runHardhatCli] killed after ${timeoutMs} ms`;
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    // "close", not "exit": the pipes may still hold output when the process has exited.
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
