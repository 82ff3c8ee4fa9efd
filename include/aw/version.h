/* version.h - the program's version, shown by --version and in run.json. */
#ifndef AW_VERSION_H
#define AW_VERSION_H
#define AW_VERSION "0.1.0"
#endif
