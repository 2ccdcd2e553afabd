#include "blend/common/shutdown.h"

#include <csignal>
#include <thread>

#include <atomic>

#include <semaphore.h>

namespace blend {
namespace {

// A signal handler may only do async-signal-safe work: post a semaphore. A watcher thread
// turns that into the absl::Notification the rest of the program waits on.
sem_t g_signal_sem;
std::atomic<bool> g_requested{false};
absl::Notification& Done() {
  static absl::Notification* n = new absl::Notification();
  return *n;
}

void OnSignal(int) { sem_post(&g_signal_sem); }

}  // namespace

void ShutdownSignal::Install() {
  sem_init(&g_signal_sem, 0, 0);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::thread([] {
    while (sem_wait(&g_signal_sem) != 0) {
    }
    Request();
  }).detach();
}

void ShutdownSignal::Request() {
  if (!g_requested.exchange(true)) Done().Notify();
}

void ShutdownSignal::Wait() { Done().WaitForNotification(); }

bool ShutdownSignal::WaitFor(absl::Duration timeout) {
  return Done().WaitForNotificationWithTimeout(timeout);
}

bool ShutdownSignal::Requested() { return g_requested.load(); }

}  // namespace blend
