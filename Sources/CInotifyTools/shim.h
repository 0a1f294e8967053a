#ifndef FERRY_CINOTIFYTOOLS_SHIM_H
#define FERRY_CINOTIFYTOOLS_SHIM_H
#include <sys/inotify.h>
#include <inotifytools/inotifytools.h>

// The inotify mask bits are macros; name the ones the watcher uses so Swift sees typed constants.
static const int FERRY_IN_CLOSE_WRITE = IN_CLOSE_WRITE;
static const int FERRY_IN_MOVED_TO = IN_MOVED_TO;
static const int FERRY_IN_CREATE = IN_CREATE;
static const int FERRY_IN_MODIFY = IN_MODIFY;
static const int FERRY_IN_DELETE_SELF = IN_DELETE_SELF;
static const int FERRY_IN_MOVE_SELF = IN_MOVE_SELF;
static const int FERRY_IN_IGNORED = IN_IGNORED;
static const int FERRY_IN_Q_OVERFLOW = IN_Q_OVERFLOW;
static const int FERRY_IN_ONLYDIR = IN_ONLYDIR;
static const int FERRY_IN_UNMOUNT = IN_UNMOUNT;
#endif
