#ifndef GOSGATE_CLINUX_H
#define GOSGATE_CLINUX_H
/* Linux interfaces Glibc's Swift overlay does not export. */
#include <sys/timex.h>

/* Reads the kernel NTP state without changing it; returns the clock state (TIME_OK, TIME_ERROR...). */
static inline int gg_read_ntp_state(int *status, long *max_error_us) {
    struct timex state = {0};
    state.modes = 0;
    int result = adjtimex(&state);
    *status = state.status;
    *max_error_us = state.maxerror;
    return result;
}
#endif
