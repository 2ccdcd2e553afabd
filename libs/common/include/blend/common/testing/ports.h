#pragma once

// For tests that start a process or server on a port chosen in advance. Header-only.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace blend::test_support {

// A loopback TCP port that was free a moment ago: the kernel picks it, the socket is closed
// again. (Never "bind a server and let it go out of scope": an unclosed listening socket
// keeps accepting, and gRPC's SO_REUSEPORT server would share the port with it.)
inline int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace blend::test_support
