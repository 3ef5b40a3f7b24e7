// Runs a piece of a test in a forked child, so that a crash (double free,
// abort) becomes a failed assertion instead of ending the whole suite.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>

namespace miti_test {

// The string `body` returns in the child, or "<crashed: signal N>" /
// "<exception: ...>" / "<exit N>" describing how the child ended.
inline std::string run_isolated(const std::function<std::string()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return "<pipe failed>";
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return "<fork failed>";
  if (pid == 0) {
    // Catch's fatal-signal handlers would print a report from the child too.
    for (int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE}) std::signal(signal, SIG_DFL);
    close(fds[0]);
    std::string out;
    try {
      out = body();
    } catch (const std::exception& error) {
      out = std::string("<exception: ") + error.what() + ">";
    }
    const char* data = out.data();
    std::size_t left = out.size();
    while (left > 0) {
      ssize_t written = write(fds[1], data, left);
      if (written <= 0) break;
      data += written;
      left -= static_cast<std::size_t>(written);
    }
    close(fds[1]);
    _exit(0);  // skip atexit handlers: Catch's state belongs to the parent
  }
  close(fds[1]);
  std::string out;
  char buffer[4096];
  ssize_t got;
  while ((got = read(fds[0], buffer, sizeof buffer)) > 0) out.append(buffer, got);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return "<crashed: signal " + std::to_string(WTERMSIG(status)) + ">";
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    return "<exit " + std::to_string(WEXITSTATUS(status)) + ">";
  }
  return out;
}

}  // namespace miti_test
