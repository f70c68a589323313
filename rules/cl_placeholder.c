/* placeholder so the library has a source; removed when the module lands. */
int rules_cl_placeholder_c_;
