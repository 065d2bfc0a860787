#ifndef GOSGATE_CSYSTEMD_SHIM_H
#define GOSGATE_CSYSTEMD_SHIM_H
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/memfd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

/* Swift's Glibc module is built without _GNU_SOURCE, and defining it here would change shared
 * struct definitions (fd_set) under Swift's feet. The few GNU-only names used below are spelled
 * out from the Linux UAPI instead. */
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#ifndef SCM_CREDENTIALS
#define SCM_CREDENTIALS 0x02
#endif
struct csystemd_credentials {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};

/* Swift cannot use the CMSG_* macros or the memfd sealing constants, so the two places that need
 * them (handing a large journal entry to journald as a sealed memfd) live here. */

/* A memfd holding `length` bytes of `data`, sealed against any change as journald requires.
 * Returns the fd, or -1 with errno set. */
static inline int csystemd_sealed_memfd(const char *name, const void *data, size_t length) {
    int fd = (int)syscall(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return -1;
    const char *cursor = (const char *)data;
    size_t left = length;
    while (left > 0) {
        ssize_t written = write(fd, cursor, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        cursor += written;
        left -= (size_t)written;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* Sends an empty datagram carrying `fd` as SCM_RIGHTS to the socket at `address`. */
static inline ssize_t csystemd_send_descriptor(int socket_fd, const struct sockaddr_un *address,
                                               socklen_t address_length, int fd) {
    union {
        struct cmsghdr header;
        char buffer[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_name = (void *)address;
    message.msg_namelen = address_length;
    message.msg_control = control.buffer;
    message.msg_controllen = sizeof(control.buffer);
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof(int));
    return sendmsg(socket_fd, &message, MSG_NOSIGNAL);
}

/* Receives one datagram and the sender's credentials (SO_PASSCRED must be on); the tests use it to
 * check that a notification is attributed to the sending process, as systemd attributes it.
 * Returns the datagram length, or -1 with errno set; *pid is 0 when no credentials came. */
static inline ssize_t csystemd_receive_with_credentials(int socket_fd, void *buffer, size_t length,
                                                        pid_t *pid, uid_t *uid) {
    union {
        struct cmsghdr header;
        char buffer[CMSG_SPACE(sizeof(struct csystemd_credentials))];
    } control;
    struct iovec vector = { buffer, length };
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control.buffer;
    message.msg_controllen = sizeof(control.buffer);
    ssize_t received = recvmsg(socket_fd, &message, MSG_CMSG_CLOEXEC);
    *pid = 0;
    *uid = (uid_t)-1;
    if (received < 0) return received;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_CREDENTIALS) {
            struct csystemd_credentials credentials;
            memcpy(&credentials, CMSG_DATA(header), sizeof(credentials));
            *pid = credentials.pid;
            *uid = credentials.uid;
        }
    }
    return received;
}

#endif
