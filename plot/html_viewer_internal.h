/* Private to the violation viewer: the page around its data. */
#ifndef RS_HTML_VIEWER_INTERNAL_H
#define RS_HTML_VIEWER_INTERNAL_H

/* Everything before the data (CSS, the opening of the data's script element)... */
extern const char html_page_head[];
/* ... and everything after it (the script that draws the page from the data). */
extern const char html_page_tail[];

#endif
