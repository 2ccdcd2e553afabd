#pragma once

// For tests that start a process or server on a port chosen in advance. Header-only.

#include <arpa/inet.h>
#include <netinet/in.h>

#include <sys/socket.h>
#include <unistd.h>
#include <mutex>
#include <set>

namespace blend::test_support {

// A loopback TCP port that was free a moment ago: the kernel picks it, the socket is closed
// again. (Never "bind a server and let it go out of scope": an unclosed listening socket
// keeps accepting, and gRPC's SO_REUSEPORT server would share the port with it.) Never the
// same port twice in one process: the kernel may hand a just-released port out again, and a
// test that asks for several ports in a row would give two servers the same one.
inline int FreeLoopbackPort() {
  static std::mutex mu;
  static std::set<int> handed_out;
  std::lock_guard<std::mutex> lock(mu);
  for (int attempt = 0;; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    int port = ntohs(addr.sin_port);
    if (handed_out.insert(port).second || attempt >= 100) return port;
  }
}

}  // namespace blend::test_support
