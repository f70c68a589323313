/* placeholder so the library has a source; removed when the module lands. */
int reports_cl_placeholder_c_;
