/* cl_path.h - file path helpers. */
#ifndef CL_PATH_H
#define CL_PATH_H

/* The directory part of path ("." when it has none, "/" for a file at the
 * root), malloc'ed; NULL when out of memory. */
char *cl_path_dir(const char *path);

#endif
