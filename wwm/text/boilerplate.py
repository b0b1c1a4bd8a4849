"""News and web boilerplate lines: editor and source credits, related-article lists, reprint and
copyright notices, page navigation. They are removed from a document; the document stays.

A line is boilerplate when it is short and
- starts with a credit label and a colon: ``责任编辑：`` ``来源：`` ``原标题：`` ``作者：``... (also
  inside brackets, or after a date: ``2016-02-14 17:20 来源：亲贝网``);
- holds a reprint or copyright notice: ``版权所有`` ``转载请注明`` ``未经授权`` ``免责声明``...;
- starts with navigation: ``点击查看`` ``点击进入`` ``上一篇`` ``下一篇`` ``分享到`` ``扫描二维码``...;
- is a related-articles header (``相关新闻：`` ``相关阅读`` ``【推荐阅读】``...); the title-like lines
  after it (short, no sentence-final punctuation) are the list and go with it.
A trailing bracketed credit at the end of a line (``……的决定。（来源：新华网）``) is cut off.

``点击`` alone is not enough: how-to answers say ``点击【添加】`` as content, so navigation must
start the line. Patterns cover simplified and traditional forms, since filters also run without
OpenCC (``--convert none``).
"""
import re
from typing import NamedTuple

MAX_CREDIT_LINE = 60    # characters; a longer line starting with 来源： is prose
MAX_NOTICE_LINE = 100
MAX_LIST_TITLE = 40

_LABELS = ('责任编辑|責任編輯|实习编辑|實習編輯|编辑|編輯|文章来源|文章來源|本文来源|本文來源|稿件来源|稿件來源'
           '|新闻来源|新聞來源|信息来源|資訊來源|图片来源|圖片來源|来源|來源|稿源|原标题|原標題|本文作者|作者'
           '|校对|校對|审校|審校|摄影|攝影')
_DATE = r'(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*)?'
_CREDIT = re.compile(r'^[\s(（【\[]*%s(?:%s)\s*[:：]' % (_DATE, _LABELS))
_NOTICE = re.compile('版权所有(?![者人方])|版權所有(?![者人方])|版权声明|版權聲明|免责声明|免責聲明|转载请注明|轉載請註明|转载须注明'
                     '|轉載須註明|请注明出处|請註明出處|未经授权|未經授權|未经许可|未經許可|不得转载|不得轉載'
                     '|禁止转载|禁止轉載|如有侵权|如有侵權')
_NAVIGATION = re.compile(r'^[\s\W]*(?:点击|點擊)(?:查看|进入|進入|阅读|閱讀|这里|這裡|此处|此處|下一页|下一頁|浏览|瀏覽)'
                         r'|^[\s\W]*(?:上一篇|下一篇|分享到|返回首页|返回首頁|返回顶部|返回頂部|扫描二维码|掃描二維碼'
                         r'|扫码关注|掃碼關注|长按二维码|長按二維碼|关注微信|關注微信)')
_RELATED = re.compile(r'^[\s\W]*(?:相关|相關)(?:新闻|新聞|阅读|閱讀|报道|報道|報導|链接|鏈接|文章)'
                      r'|^[\s\W]*(?:延伸|推荐|推薦|更多)(?:阅读|閱讀)|^[\s\W]*(?:热点|熱點|热门|熱門|精彩)(?:推荐|推薦)'
                      r'|^[\s\W]*往期回顾|^[\s\W]*往期回顧')
_SENTENCE_END = re.compile('[。！？!?]')
_TRAILING_CREDIT = re.compile(r'[(（【\[]\s*(?:%s)\s*[:：][^()（）【】\[\]\n]{1,40}[)）】\]]\s*$' % _LABELS)


class BoilerplateResult(NamedTuple):
    text: str
    lines_removed: int
    credits_cut: int


def _is_boilerplate(line: str) -> bool:
    return ((len(line) <= MAX_CREDIT_LINE and _CREDIT.match(line) is not None)
            or (len(line) <= MAX_NOTICE_LINE and (_NOTICE.search(line) or _NAVIGATION.match(line))))


def _is_related_header(line: str) -> bool:
    return len(line) <= MAX_NOTICE_LINE and _RELATED.match(line) is not None


def _is_list_title(line: str) -> bool:
    return len(line) <= MAX_LIST_TITLE and not _SENTENCE_END.search(line)


def remove_boilerplate(text: str) -> BoilerplateResult:
    """``text`` without boilerplate lines and trailing credits, with how many of each went."""
    kept = []
    removed = cut = 0
    in_list = False
    for line in text.split('\n'):
        stripped = line.strip()
        if not stripped:
            continue
        if _is_related_header(stripped):
            in_list = True
        elif not (in_list and _is_list_title(stripped)):
            in_list = False
            if not _is_boilerplate(stripped):
                line, count = _TRAILING_CREDIT.subn('', line)
                cut += count
                if line.strip():
                    kept.append(line)
                    continue
        removed += 1
    return BoilerplateResult('\n'.join(kept), removed, cut)
