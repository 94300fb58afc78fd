"""The words staff use for the semantic layer's names (English and Chinese): one home for every phrase table.

    METRIC_PHRASES[0]     # ("gross_sales", r"gross (?:sales|revenue)|毛销售额|...")
    COUNTRY_ALIASES["uk"] # "United Kingdom"
    FILLER                # words that carry no meaning for the query ("how", "the", "的", ...)

Patterns run on lower-cased text; longer, more specific phrases come first so "churn risk" is a metric and not the
segment "at risk". A phrase here only names a layer concept; values (countries, products...) are still checked
against the shop's data.
"""
from __future__ import annotations
import re

# returns (credit notes: returns and cancellations) and the words that say they are subtracted
_CREDIT = r"(?:returns|refunds|cancellations|credit notes?|returned goods|cancelled orders)"
CREDIT_NOUNS = rf"{_CREDIT}(?:(?: (?:and|or|&|and/or|plus) | ?/ ?| ?\+ ?| ){_CREDIT})?"   # 'returns (cancellations)': one thing
TAKEN_OFF = r"(?:(?:are|were|get|gets|got|have been|has been|is|was|be) )?(?:taken off|taken out|taken away|deducted|" \
            r"subtracted|removed|netted off|netted out|knocked off|come off|comes off|came off|come out|comes out|" \
            r"accounted for|factored in|applied)"
SUBTRACTING = r"(?:deducting|subtracting|removing|netting off|netting out|taking off|taking out|knocking off)"
_ZH_ONE_CREDIT = r"(?:退货|退款|退单|取消(?:的)?订单|取消)"
_ZH_CREDIT = rf"{_ZH_ONE_CREDIT}(?:\s*(?:和|与|及|或|、|/|含|包括|包含)\s*{_ZH_ONE_CREDIT})?"   # 退货（含取消）: brackets gone
METRIC_PHRASES = [   # (metric, regex) in priority order
    ("revenue", rf"\bnet of (?:any |the )?{CREDIT_NOUNS}\b|\b(?:after|minus|less|once) (?:any |the )?{CREDIT_NOUNS}(?: {TAKEN_OFF})?\b|"
                rf"\bafter {SUBTRACTING} (?:any |the )?{CREDIT_NOUNS}\b|\bwith (?:the )?{CREDIT_NOUNS} {TAKEN_OFF}\b|"
                r"扣(?:掉|除)(?:了)?退货(?!(?:之|以)?前)(?:以?后|之后)?|退货扣(?:掉|除)(?:了)?(?:以|之)?后|净销售额|净营收|净额"),
    ("top_share", r"(?:share|percentage|proportion|percent|portion|fraction|%)\s+of\s+(?:our\s+|total\s+|the\s+)?"
                  r"(?:net\s+)?(?:revenue|sales)"),
    ("gross_sales", r"\bgross (?:sales|revenue|takings|turnover)\b|"
                    rf"\b(?:sales|revenue|takings|turnover) (?:before|prior to) (?:any |the )?{CREDIT_NOUNS}(?: {TAKEN_OFF})?\b|"
                    rf"\b(?:before|prior to) (?:any |the )?{CREDIT_NOUNS}(?: {TAKEN_OFF})?\b|\bbefore (?:we )?(?:take off|deduct|subtract|remove|net off|knock off|{SUBTRACTING}) (?:any |the )?{CREDIT_NOUNS}\b|\bpre-(?:returns|refunds)\b|"
                    r"(?:扣(?:掉|除)?|减去?)退货(?:之|以)?前|未扣(?:掉|除)?退货|不扣(?:掉|除)?退货|退货(?:扣除)?(?:之|以)?前|\bgross\b(?! (?:margin|profit|spend))|\bgross(?= (?:vs\.?|versus|and|or|&) net (?:revenue|sales)\b)|毛销售额|总销售额（未扣退货）|毛收入"),
    ("returning_customers", r"\b(?:customers|people|buyers|clients) (?:who|that) (?:have |has |had )?(?:returned|"
                            r"made (?:a )?returns?)(?: (?:something|anything|an? (?:item|product|order)|items|products|"
                            r"goods|orders|stuff|at least one (?:item|product|order|thing)|one or more (?:items|products)))?\b|"
                            r"\breturned (?:something|anything|items|an item|goods|at least one (?:item|product|order|thing))\b|"
                            r"\bmade (?:a )?returns?\b|\bcustomers with (?:a )?returns?\b|"
                            r"\bsen[dt]s? (?:something |anything |items? |goods |stuff |products? )?back\b|"
                            r"\b(?:customers|people|buyers|clients) returning (?:stuff|something|anything|items|goods|"
                            r"products|orders)\b|退过货的客户|退货的客户|退过货|有(?:过)?退货(?:记录|行为|经历)?"),
    ("returns_value", rf"\b(?:value|amount|total|sum|cost) of (?:the |all |our )?{CREDIT_NOUNS}\b|"
                      rf"\b(?:returns|cancellations|refunds|credit notes) (?:value|amount|total)\b|\b{CREDIT_NOUNS} cost(?: us| the business)?\b|"
                      r"\breturns? value\b|\breturned value\b|\brefund(?:s|ed)? (?:value|amount|total)\b|"
                      r"\bhow much (?:was|got|has been|did we get) (?:returned|refunded)(?: (?:or|and) (?:returned|refunded|cancelled))?\b|"
                      r"\b(?:value|money|revenue|sales)(?: (?:was|were|have we|did we|we|has been|have been))? (?:lost|lose|given back|went|gone|goes|going) "
                      rf"(?:to|through|on|in|from) {CREDIT_NOUNS}\b|"
                      rf"\b(?:lose|lost|losing|loses)(?: (?:out|money|revenue|sales))? (?:to|through|on|in|from) {CREDIT_NOUNS}\b|"
                      rf"\b(?:(?:money|cash) (?:did |do |have |has |had |was |were )?(?:we |you |the shop |been )?)?"
                      rf"(?:give|gives|gave|given|giving|pay|pays|paid|paying|hand|handed|refund|refunded) (?:back|out)(?: money| cash)? "
                      rf"(?:in|on|as|for|through|via) {CREDIT_NOUNS}\b|"
                      r"\b(?:returns|refunds)(?: (?:and|or|&|and/or|plus) | ?/ ?| )(?:cancellations|credit notes)\b|"
                      rf"\breturns\b|\brefunds\b|{_ZH_CREDIT}\s*(?:的)?(?:总)?(?:金额|额|价值)|因\s*{_ZH_CREDIT}\s*(?:而)?(?:损失|少收)(?:了)?(?:多少钱?)?|"
                      r"退货(?=(?:金额)?(?:最多|最少|最高|最低|排名))"),
    ("aov", r"\baverage order (?:value|amount)\b|\baov\b|\b(?:(?:average|avg\.?|mean|typical) )?(?:spend|spending|amount spent|"
            r"money spent) (?:per|an?|each|every) (?:order|basket|transaction|invoice)\b|\b(?:average|avg\.?|mean|typical) basket(?: value)?\b(?! size)|"
            r"\bavg\.? order value\b|\bmean order value\b|平均订单(?:价值|金额)|(?:平均)?每(?:笔|个)?(?:订)?单(?:的)?(?:平均)?(?:金额|价值|消费|销售额)"),
    ("repeat_rate", r"\brepeat(?:-| )?(?:purchase|buy|buyer|customer|order)? rate\b|\brepurchase rate\b|"
                    r"\brate of repeat (?:purchases?|customers|buyers)\b|复购率|回购率|重复购买率"),
    ("frequency", r"\b(?:purchase|order|buying) frequency\b|\bfrequency\b|\borders per customer\b|"
                  r"\baverage (?:number of )?orders per customer\b|\bhow often\b|"
                  r"\b(?:on average,? )?how many orders (?:does|do|did) (?:a|an average|the average|each|every|one) "
                  r"(?:customer|buyer|client)(?: place| make| have)?\b|"
                  r"\b(?:on average,? )?how many orders (?:does|do|did) (?:a|an|each|every|one|the average) "
                  r"(?=(?:[\w\-]+ ){1,3}(?:customer|buyer|client|shopper) (?:place|make|have)\b)|"
                  r"(?<=customer )(?:place|make)s?(?: on average)?\b|(?<=buyer )(?:place|make)s?(?: on average)?\b|平均每个?(?:客户|人)(?:下了?)?(?:多少|几)(?:个|笔)?(?:订)?单|"
                  r"(?<=客户)平均(?:每人|每个?客户|每位客户)?(?:会|要)?(?:下了?|买了?|购买)(?:多少|几)(?:个|笔)?(?:订)?(?:单|次)|"
                  r"(?<=顾客)平均(?:会|要)?(?:下了?|买了?|购买)(?:多少|几)(?:个|笔)?(?:订)?(?:单|次)|购买频率|购买频次|人均订单数?|"
                  r"(?:(?<=每个客户)|(?<=每位客户)|(?<=人均))(?:的)?(?:平均)?(?:下了?|买了?|购买)?(?:多少|几)(?:(?:个|笔)?(?:订)?单|次)|"
                  r"(?:(?<=每个客户)|(?<=每位客户)|(?<=人均))(?:的)?(?:平均)?(?:订单数量?|下单次数|购买次数)"),
    ("churn_risk", r"\b(?:(?:average|mean|avg\.?) )?(?:predicted )?churn(?:-| )(?:(?:risk|probability|prob\.?|likelihood|propensity)(?: scores?)?|scores?)(?!\w)|"
                   r"\b(?:risk|probability|likelihood|propensity)(?: score)? (?:of|for|to) churn(?:ing)?(?: scores?)?\b|"
                   r"\blikel(?:y|ihood) to churn\b|(?:平均)?流失(?:风险|概率|可能性)(?:得分|分数|评分|分)?|(?:平均)?流失(?:得分|评分|分数)"),
    ("churn_rate", r"\bchurn(?:ed)? rate\b|\blapse(?:d)? rate\b|\b(?:share|percentage|proportion|%) of (?:lapsed|churned|lost) customers\b|"
                   r"\b(?:share|percentage|proportion|fraction|%) (?:of (?:our |the |all )?(?:customers|buyers|clients|shoppers) )?(?:that |who )?(?:have |has )?churned\b|"
                   r"流失率|流失(?:了)?(?:的)?(?:客户|顾客)?(?:的)?(?:比例|占比|比率|百分比|比重)"),
    # the count of such customers; "what share have churned" makes it the churn rate (nlq._assemble)
    ("churned_customers", r"\b(?:have |has |had )?(?:gone|went|gotten|got) quiet\b|\b(?:have |has |had )?lapsed\b|"
                          r"\b(?:have |has |had )?churned\b|\b(?:with )?no (?:purchases?|orders?) (?:in|for) "
                          r"(?:the (?:last|past) |over |more than )?(?:90|ninety)\+? ?(?:days|d)\b\+?|已流失|流失了"),
    ("high_value_probability", r"\b(?:(?:average|mean|avg\.?) )?(?:predicted )?high(?:-| )value (?:(?:probability|propensity|likelihood)(?: scores?)?|scores?)\b|"
                               r"\b(?:probability|likelihood|propensity) (?:score )?(?:of|for|to be) (?:being |becoming )?high(?:-| )value\b|"
                               r"\b(?:turn|turning|become|becoming|convert|converting) (?:into )?high(?:-| )value\b|"
                               r"high(?:-| )?value ?概率|(?:平均)?高价值(?:概率|可能性)(?:得分|分数|评分|分)?|(?:平均)?高价值(?:得分|评分|分数)"),
    ("customer_value", r"\b(?:average )?customer (?:lifetime )?value\b|\blifetime value\b|\bclv\b|\bltv\b|"
                       r"\bvalue per customer\b|\bvalue of (?=(?:our |all |the |these |those )?(?:[\w\-]+ )?(?:customers|buyers|clients|shoppers)\b)|"   # 'the value of our German customers'
                       r"\bspends? (?:with us )?(?:over|in|during) (?:their|a|the|his|her) lifetime\b|"
                       r"\blifetime (?:gross )?spend(?:ing)?\b|(?:平均)?客户(?:终身)?价值|(?:平均)?(?:终身|生命周期)价值|(?:人均|平均)?累计消费(?:总)?(?:额|金额)?|人均消费(?:总)?(?:额|金额)?|"
                       r"(?<=每个客户)(?:的)?平均消费(?:额|金额)?|(?<=每位客户)(?:的)?平均消费(?:额|金额)?"),
    ("new_customers", r"\bnew(?:-| )(?:customers?|buyers?|clients?|shoppers?)\b|"
                      r"\b(?:customers|buyers|clients|shoppers)(?: (?:did|have|had) we| we| were| have been)? (?:acquire|acquired|won|gained)\b|\bfirst(?:-| )time (?:customers|buyers)\b|"
                      r"\bacquired\b|\bacquire\b|\b(?:customer )?acquisition\b|\b(?:customers |buyers |clients |who |that )(?:are|were|is|was) new\b(?! segment)|新增的(?:客户|顾客)|新增(?:了)?(?:多少|几)?(?:个|位|名)?(?:客户|顾客)|新客户|新客|"
                      r"新增(?!收入|销售|营收|订单|销量)"),
    ("revenue", r"\bnet (?:revenue|sales|takings|turnover|income)\b|\brevenue\b|\bsales\b(?! volume)|\bturnover\b|\bincome\b|\btakings\b|"
                r"\bnet\b(?! (?:margin|profit|promoter))|\bmoney\b|\bearn(?:ed|ings)?\b|(?<!we )(?<!i )(?<!we've )\bspen(?:d|t|ds|ding)\b|净收入|收入|营收|销售额|营业额|(?:卖|售)(?:了|出)多少钱|多少钱|消费(?:总)?(?:额|金额)?|"
                r"花(?:了|费了?)(?=多少)"),
    ("orders", r"\b(?:number of |count of |how many )?(?:purchase )?(?:orders|invoices)\b|\border count\b|订单数|订单量|订单|"
               r"(?:接|下|收)?(?:了)?(?:多少|几)单|单数"),     # 接了多少单: orders taken
    ("units", r"\bhow many (?:did|have|do|does) (?:we|you|they|it) (?:sell|sold)\b|\bunits?(?: sold)?\b|\b(?:sales|unit) volume\b|\bvolume (?:sold|shipped)\b|\bitems sold\b|\bquantity(?: sold)?\b|\bpieces\b|\bhow many (?:items|pieces)\b|"
              r"销量|销售量|售出量|出货量|件数|销售数量|售出数量|(?:卖|售|销售)(?:了|出)?去?(?:了)?(?:多少|几)件(?:货|商品|产品|东西)?|多少件(?:货|商品|产品|东西)?|"
              r"(?:卖|售|销售)(?:了|出)?去?(?:了)?(?:多少|几)(?:个|只|套|盒|包|份)(?:商品|产品|东西)?(?![\u4e00-\u9fff])|"
              r"(?:卖|售|销售)(?:了|出)?去?(?:了)?(?:多少|几)(?:个|只|套|盒|包|份)(?:商品|产品|东西)?(?=吗|呢|啊)"),
    ("customers", r"\b(?:customers|customer|buyers|shoppers|clients|people|purchasers)\b|\bcustomer count\b|"
                  r"客户数量|顾客数量|客户数|客户|顾客|买家|人数|多少(?:个)?人|多少位|多少名"),
]
# A metric's definition said again beside its name ("net revenue (gross minus returns)", "AOV, i.e. sales / orders",
# "复购率（下过两单及以上的客户占比）"): the definition's words are explained by the metric, never read as more metrics
# or a condition. Read only when the metric itself is named elsewhere in the question.
_DIV = r"(?: divided by | ?/ ?| over )"     # not 'per': 'orders per customer' is the metric's own name
DEFINITIONS = [   # (metric, regex of its definition in words)
    # 'gross sales without returns' may mean gross itself: only minus / less / net of take returns off gross
    ("revenue", rf"\bgross(?: sales| revenue)? (?:minus|less|net of) (?:the |any )?{CREDIT_NOUNS}(?: {TAKEN_OFF})?\b|"
                rf"\b(?<!net )(?<!gross )(?:sales|revenue|takings) (?:minus|less|net of|without|excluding) "
                rf"(?:the |any )?{CREDIT_NOUNS}(?: {TAKEN_OFF})?\b|(?:毛)?销售额(?:减去?|扣除|扣掉)(?:了)?退货(?:额|金额)?"),
    ("aov", rf"\b(?:gross )?(?:sales|revenue){_DIV}(?:the )?(?:number of )?orders?\b|\b(?:gross )?(?:sales|revenue|spend|"
            r"money) (?:per|an?) (?:order|invoice)\b|(?:毛)?销售额(?:除以|/)订单数"),
    ("frequency", rf"\b(?:the )?(?:number of )?orders{_DIV}(?:the )?(?:number of )?customers?\b|订单数(?:除以|/)客户数"),
    ("new_customers", r"\b(?:(?:whose|with their|with a|their|by|on their|the) )?first(?:-ever| ever)? (?:purchase|order)s?"
                      r"(?: (?:was|were|is|fell|falls|fall|happened|made|placed))?(?: (?:then|in (?:it|that (?:period|month|"
                      r"quarter|year))))?\b|(?:其)?(?:首次|第一次)(?:购买|下单)(?:在|于|是在)?|首单(?:在|于)?"),
    ("repeat_rate", r"(?:\b(?:(?:the )?(?:share|percentage|proportion|%) of )?customers (?:with|who (?:placed|made|have placed|"
                    r"have made|ordered)|having(?: placed| made)?) )?(?:(?:2|two) or more|at least (?:2|two)|more than one|"
                    r"\b(?:2|two) ?\+) (?:orders|purchases)\b|(?:(?:下过|下了|买过)?(?:两|2)(?:单|次)(?:及|或)以上|(?:至少|最少|不少于)(?:下过|下了|买过|购买过)?(?:两|2)"
                    r"(?:单|次|笔))(?:订单)?(?:的)?(?:客户)?(?:的)?(?:占比|比例)?"),
]
_PREDICTED = r"\b(?:the |our )?(?:model'?s? |ml )?(?:predicted|estimated|modelled|modeled) (?:probability|likelihood|score)\b|预测(?:的)?概率|" \
             r"(?:由)?模型(?:预测|估计|算出)(?:的)?(?:概率)?"
DEFINITIONS += [
    ("returning_customers", r"\b(?:with )?(?:at least one|one or more|a|any) (?:credit notes?|return(?: lines?)?|returned "
                            r"(?:items?|orders?|lines?))\b|至少(?:一|1)(?:次|笔)退货"),
    ("churn_risk", _PREDICTED), ("high_value_probability", _PREDICTED),   # the first named metric takes it
    ("customer_value", r"\b(?:(?:avg\.?|average|mean) )?(?:all[- ]time|lifetime|total) (?:gross )?(?:spend|spending)"
                       r"(?: per (?:customer|buyer|client|head))?\b|\b(?:avg\.?|average|mean) (?:gross )?(?:spend|spending) "
                       r"(?:per|of an?|of each) (?:customer|buyer|client)\b|(?:历史|累计)?(?:消费|花费)(?:金额)?(?:的)?(?:均值|平均值|平均)"
                       r"|(?:平均)(?:历史|累计)(?:消费|花费)(?:金额)?"),
]
DEFINITION_NOTE = "restates the definition of"
DEFINITION_NAMES = {   # a definition that alone names its metric ("gross minus returns"), given the context words
    "revenue": "", "frequency": "",
    "new_customers": r"\b(?:customers|buyers|people|clients|shoppers)\b|客户|顾客|买家",   # 'customers whose first order ...'
}
# "sales in 2011 before returns come off": the phrase says which sales, so the bare sales word is not a second metric
BARE_REVENUE = r"(?:sales|revenue|takings|turnover|income|money|销售额|营收|收入|营业额|(?:卖|售)(?:了|出)多少钱|多少钱)"
GROSS_QUALIFIER = r"\b(?:before|prior to|pre-)|(?:之|以)?前$|未扣|不扣"    # a gross_sales phrase that qualifies sales
# A season's name alone ("AOV for Christmas") is the category or the trading period: it asks unless a category noun
# follows ("Christmas category / range / products / stuff").
_NOT_CATEGORY_NOUN = r"(?! (?:the |its )?(?:category|categories|range|ranges|products?|items?|goods|stuff|lines?|decorations?|" \
                     r"department|collection)\b)(?!\s*(?:的)?\s*(?:品类|类别|类目|类|商品|产品|装饰|用品|系列))"
AMBIGUOUS_METRICS = [   # (regex, question, choices): words that could mean two metrics
    # 客单价: per order (usual in retail) or per paying customer (usual in Chinese e-commerce): writers differ
    (r"客单价", "“客单价”是按订单算（平均订单金额 = 销售额 / 订单数），还是按客户算（每位客户的净收入 = 净收入 / 购买客户数）？",
     ("平均订单金额", "每位客户的净收入")),
    (r"(?<!potential )\bloyalists?\b", "Do you mean the segment 'loyal' or 'potential loyalists'?",
     ("loyal customers", "potential loyalists")),
    (r"(?<!即将)沉睡", "Do you mean the segment 'about to sleep' or 'hibernating'?", ("即将沉睡", "休眠")),
    (r"\b(?:christmas|xmas)\b" + _NOT_CATEGORY_NOUN,
     "Do you mean the Christmas category (its products, any time of year), or all sales in a season such as "
     "December?", ("christmas category",)),
    (r"圣诞(?!节?\s*(?:品类|类|商品|产品|装饰|用品|category|categories|range|products?|items?))", "您是指圣诞品类（全年的圣诞商品），还是圣诞季（例如12月）的全部销售？", ("圣诞品类",)),
    (r"\beaster\b" + _NOT_CATEGORY_NOUN,
     "Do you mean the Easter category (its products, any time of year), or all sales around Easter?",
     ("easter category",)),
    (r"复活节(?!\s*(?:品类|类|商品|产品|装饰|用品|category|categories|range|products?|items?))", "您是指复活节品类，还是复活节前后的全部销售？", ("复活节品类",)),
    (r"(?<!新)客群(?!体)", "“客群”是指RFM分群（segment）还是行为聚类（cluster）？", ("分群", "聚类")),   # group: which?
    (r"\bpropensity(?: scores?)?\b|倾向(?:得分|分数|评分)", "Which predicted probability: churn risk or high-value probability?",
     ("churn risk", "high value probability")),
    (r"\bchurn(?:ing)?\b|流失", "Do you mean churn rate (share of customers whose last purchase was more than 90 days "
     "ago) or churn risk (their average predicted churn probability)?", ("churn rate", "churn risk")),
]
# The churn definition said again in the question ("gone quiet for 90+ days", "超过90天没有购买"): the window words
# restate recency > 90 days and are read as churn, with a note. Another window ("quiet for 60 days") is not the
# definition: its words stay unexplained and the question asks.
_CHURN_WINDOW = r"(?:(?:for|in|over|since|during) )?(?:(?:the )?(?:last|past) )?(?:(?:more than|over|longer than|upwards of|" \
                r"beyond|at least) )?(?:(?:90|ninety) ?\+? ?(?:days?|d)|(?:3|three) ?\+? ?months?)(?: or (?:more|longer)|\+)?(?: ago)?(?!\w)"
_LAPSE = r"\b(?:(?:have |has |had )?(?:gone|went|gotten|got|been|going|gone) )?(?:quiet|lapsed|churned|inactive)"
_NO_BUY = r"\b(?:(?:have|has|had|did|do|does)(?:n't| not) |not |never )(?:bought|ordered|purchased|shopped|buy|order|" \
          r"purchase|shop|(?:placed|made|place|make) (?:an? |any )?(?:orders?|purchases?))(?: anything| again| with us)?|\b(?:with )?no (?:purchases?|orders?)|\bwithout (?:an? |any )?(?:purchases?|orders?)|" \
          r"\bnothing (?:bought|ordered|purchased)|\b(?:bought|ordered|purchased) nothing"
_ZH_WINDOW = r"(?:最近|近|过去)?(?:已经?|连续)?(?:超过|多于)?\s*(?:(?:90|九十)\s*(?:多)?天|(?:3|三)\s*个多?月)" \
             r"(?:以上|或以上|及以上)?(?:了)?"
_ZH_NO_BUY = r"(?:都)?(?:没有|没|未|不曾)(?:再)?(?:购买|下单|买过?东西|买过?|消费|下过单|复购|光顾)(?:过)?"
_LAST_BOUGHT = r"\b(?:who )?last (?:bought|ordered|purchased|shopped)(?: anything| something| with us)? " \
               r"(?:(?:more than|over|longer than|upwards of|beyond) (?:(?:90|ninety) days|(?:3|three) months)|" \
               r"(?:90|ninety) ?\+ ?days|(?:3|three) ?\+ ?months)(?: ago)?\b"    # not '90 days ago': that day only
CHURN_RESTATED = rf"{_LAST_BOUGHT}|(?:{_LAPSE}|{_NO_BUY}) {_CHURN_WINDOW}|{_CHURN_WINDOW} (?:without|with no|of no|no) (?:an? |any )?(?:purchases?|orders?|activity)\b|" \
                 rf"(?:{_ZH_WINDOW})\s*(?:的时间)?(?:里|内|中)?\s*(?:{_ZH_NO_BUY})|(?:{_ZH_NO_BUY})\s*(?:的时间)?(?:已经?)?(?:{_ZH_WINDOW})|" \
                 rf"(?:流失|沉默)(?:了)?\s*(?:{_ZH_WINDOW})|" \
                 rf"{_CHURN_WINDOW} (?:since|after) (?:their |the |a )?(?:last|latest|most recent) (?:purchase|order)\b|" \
                 rf"\b(?:whose |with (?:their |a |the )?)?(?:last|latest|most recent) (?:purchase|order) (?:was |is |being )?" \
                 rf"(?:more than|over|longer than) (?:90|ninety) days (?:ago|back|before)\b|\brecency (?:>|of more than|over|above) " \
                 r"(?:90|ninety)(?: days)?\b|(?:距(?:离)?|离)?(?:上次|最后一次|最近一次)(?:购买|下单)(?:已经?|时间)?(?:超过|已超过|多于)" \
                 r"\s*(?:90|九十)\s*天(?:以上)?"
CHURN_OTHER_WINDOW = rf"(?:{_LAPSE}|{_NO_BUY}) (?:(?:for|in|over|since|during|within) )?(?:(?:the )?(?:last|past) )?" \
                     r"(?:(?:more than|over|longer than|upwards of|beyond|at least) )?(?:\d+|a|one|two|six|sixty|thirty) ?\+? ?" \
                     r"(?:days?|weeks?|months?|years?|d)\b(?: ago)?|\blast (?:bought|ordered|purchased|shopped)(?: anything| " \
                     r"something| with us)? (?:more than |over |exactly |just )?(?:\d+|ninety|sixty|thirty) ?\+? ?(?:days?|weeks?|months?)(?: ago)?|" \
                     r"(?:最近|近|过去)?(?:已经?|连续)?(?:超过|多于)?\s*(?:\d+|[一二两三四五六七八九十]+)\s*(?:天|周|个月|年)(?:以上|多)?\s*(?:里|内|中)?\s*(?:都)?(?:没有|没|未)"
CHURN_WORD = r"\bchurn(?:ed)?\b(?! (?:rate|risk|probability|prob|likelihood|propensity|score))|流失(?!率|风险|概率)|沉默"   # once the
#   definition is restated beside it, 'churn' / 流失 means churned (not 'rate or risk?')
CHURN_RESTATED_NOTE = "read as churned: last purchase more than 90 days before the shop's today (the layer's definition)"
# A word with two readings glossed by a word naming one of them ('客群(segment)', 'propensity score (churn)'; the
# brackets are gone after normalizing): (ambiguous word, gloss, what the pair means). Either order.
# A word with a reading per dimension, settled when the question names a value of exactly one of them ('at risk
# 客群的净收入': 'at risk' is a segment, so 客群 is the segment): (word, {dimension: what the word then means}).
NAME_SETTLES = [
    (r"(?<!新)客群(?!体)", {"segment": "分群", "cluster": "聚类"}),
    (r"\bcustomer groups?\b", {"segment": "segments", "cluster": "clusters"}),
]
GLOSSED = [
    (r"客单价", r"aov|average order value|平均订单金额|按订单", "平均订单金额"),
    (r"客单价", r"(?:net )?revenue per (?:paying )?customer|spend per customer|每位客户的净收入|按客户", "每位客户的净收入"),
    (r"(?<!新)客群(?!体)", r"(?:rfm |customer )?segments?|分群", "分群"),
    (r"(?<!新)客群(?!体)", r"(?:behaviou?ral )?clusters?|聚类", "聚类"),
    (r"(?<!即将)沉睡", r"about(?:-| )to(?:-| )sleep", "即将沉睡"),
    (r"(?<!即将)沉睡", r"hibernating|dormant", "休眠"),
    (r"(?<!potential )\bloyalists?\b", r"potential loyalists?|潜在忠诚(?:客户)?", "potential loyalists"),
    (r"(?<!potential )\bloyalists?\b", r"loyal(?: customers| segment)?|忠诚(?:客户)?", "loyal customers"),
    (r"\bcustomer groups?\b", r"(?:rfm )?segments?|分群", "segments"),
    (r"\bcustomer groups?\b", r"(?:behaviou?ral )?clusters?|聚类", "clusters"),
    (r"\bpropensity(?: scores?)?\b|倾向(?:得分|分数|评分)", r"churn(?: risk| probability)?|流失(?:风险|概率)?", "churn risk"),
    (r"\bpropensity(?: scores?)?\b|倾向(?:得分|分数|评分)", r"high(?:-| )value(?: probability)?|高价值(?:概率)?",
     "high value probability"),
]
ADJECTIVE_SEGMENTS = {"new", "loyal", "promising"}   # before a product/category/order noun they describe that
NOT_A_SEGMENT_AFTER = r"\s*(?:products?|items?|lines?|skus?|categor(?:y|ies)|ranges?|orders?|arrivals?|stock|产品|商品|品类|订单)"
METRIC_OWN_NAMES = {   # metric -> names its own phrase uses: "new" beside new customers names the metric, not the
    "new_customers": {("segment", "new")},     # segment 'new' (the segment is then written "the new segment")
}
BEST_SELLING = r"\bbest(?:-| )?sell(?:ing|ers?)\b|\btop(?:-| )sell(?:ing|ers?)\b|\bsold (?:the )?most\b|" \
               r"\bsell(?:s)? (?:the )?most\b|\bmost sold\b|\bmost popular\b|最畅销|卖得最好|最热销|畅销|最喜欢买|最爱买|最常买|" \
               r"(?:买|卖|购买)(?:得|的)最多"
DIMENSION_NOUNS = {   # dimension -> regex of its nouns (singular and plural)
    "country": r"\bcountr(?:y|ies)\b|\bmarkets?\b|\bnations?\b|国家|市场|各国|每国",
    "segment": r"\b(?:rfm |customer )?segments?\b|客户分群|客户细分|客户群体|客户群|分群|客群|细分群体|细分|群体",
    "cluster": r"\b(?:behavioural |behavioral )?clusters?\b|聚类|集群",
    "category": r"\b(?:product )?categor(?:y|ies)\b|\bdepartments?\b|\branges?\b|\bcollections?\b|类别|品类|类目",
    "product": r"\bproducts?\b|\bitems?\b|\bskus?\b|\barticles?\b|产品|商品",
    "month": r"\bmonths?\b|\bmonthly\b|\bmonth by month\b|\btrends?\b|\bover time\b|每月份?|按月份?|月度|各月份?|每个月份?|趋势|"
             r"(?<=哪个)月份?|(?<=哪一个)月份?|(?<=哪)月份?",
}
GROUP_CUES = r"\bby\b|\bper\b|\beach\b|\bevery\b|\bwhich\b|\bwhat\b|\btop\b|\bacross\b|\bbreakdown\b|\bsplit\b|" \
             r"\branked?\b|\branking\b|\bmost\b|\bleast\b|\bbiggest\b|\blargest\b|\bsmallest\b|\bhighest\b|" \
             r"\blowest\b|\bbest\b|\bworst\b|\bbottom\b|\bleading\b|各|每个|每|按|哪些|哪个|哪|排名|前"
RANK_DESC = r"\bhigher\b|\bbigger\b|\blarger\b|\bbetter\b|\btop\b|\bbiggest\b|\blargest\b|\bhighest\b|\bmost\b|\bbest\b|\bleading\b|\bstrongest\b|最多|最高|最大|最好|排名前|前"
RANK_ASC = r"\blower\b|\bsmaller\b|\bworse\b|\bleast\b|\blowest\b|\bsmallest\b|\bworst\b|\bbottom\b|\bweakest\b|\bfewest\b|最少|最低|最小|最差"
JUDGEMENT_ORDER = r"\b(?:best|worst|better|worse|strongest|weakest)\b|最好|最差"   # good/bad, not big/small: see HIGHER_IS_WORSE
# '哪个国家的复购率高': 高/低 ending a 哪 question ranks; elsewhere ('流失风险高的客户') it describes, never ranks
RANK_PREDICATE = {"desc": r"(?<!最)(?:比较|较|更)?高(?=\s*(?:一些|一点|些|吗|呢)?\s*$)", "asc": r"(?<!最)(?:比较|较|更)?低(?=\s*(?:一些|一点|些|吗|呢)?\s*$)"}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "twenty": 20, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                "九": 9, "十": 10, "二十": 20}
CONDITIONS = [   # (regex, (kind, op, value)) customers who ...
    (r"\b(?:exactly|only|just) (?:one|1|a single) (?:order|purchase)\b|\b(?:a single|one) order only\b|"
     r"\bone(?:-| )(?:time|off) (?:customers|buyers|shoppers)\b|\b(?:ordered|bought|purchased) (?:only )?once\b|"
     r"\bonly (?:ever )?(?:placed|made|had|ordered) (?:one|1|a single)(?: order| purchase)?\b|"
     r"\bonly (?:ever )?(?:ordered|bought|purchased) once\b|只有一个订单|"
     r"(?:只|仅)(?:下|买|购买|购物|消费)(?:过|了)?(?:一|1)(?:次|单|笔)(?:单|订单)?",   # 只下过一单, 仅购买过1次
     ("orders", "=", 1)),
    (r"\b(?:more than one|two or more|2 or more|at least two|at least 2|multiple|several) (?:orders|purchases)\b|"
     r"\b(?:ordered|bought|purchased) (?:more than once|again|twice or more|at least twice)\b|\brepeat (?:customers|buyers)\b|"
     r"\b(?:came|come|comes|coming) back (?:for|to (?:place|make|buy)) (?:a |an )?(?:second|2nd|another|further) "
     r"(?:order|purchase|time)\b|\b(?:placed|made|place|make) (?:a )?(?:second|2nd) (?:order|purchase)\b|"
     r"多次购买|下过多次单|回头客|复购客户|购买过两次以上", ("orders", ">=", 2)),
]
_CN_N = r"(\d+|[一二两三四五六七八九十])"
CONDITIONS_CN = [   # (regex with the number as group 1, op): '至少下了3单', '下过3次及以上订单', '不少于2笔订单'
    (rf"(?:下过|下了|买过|买了|购买过|购买了)?\s*(?:至少|最少|不少于)\s*(?:下过|下了|买过|买了|购买过|购买了|下|买)?\s*{_CN_N}\s*"
     r"(?:次|单|笔|个)(?:或以上|及以上)?\s*(?:的)?\s*(?:订单|购买|单)?", ">="),
    (rf"(?:下过|下了|买过|买了|购买过|购买了)?\s*{_CN_N}\s*(?:次|单|笔|个)\s*(?:或|及)以上\s*(?:的)?\s*(?:订单|购买|单)?", ">="),
    (rf"(?:下过|下了|买过|买了|购买过|购买了)?\s*(?:超过|多于)\s*{_CN_N}\s*(?:次|单|笔|个)\s*(?:的)?\s*(?:订单|购买|单)?", ">"),
]
COUNTRY_ALIASES = {
    "uk": "United Kingdom", "u.k.": "United Kingdom", "britain": "United Kingdom", "great britain": "United Kingdom",
    "england": "United Kingdom", "british": "United Kingdom", "ireland": "EIRE", "irish": "EIRE",
    "the us": "USA", "u.s.": "USA", "u.s.a.": "USA", "america": "USA", "united states": "USA",
    "south africa": "RSA", "holland": "Netherlands", "the netherlands": "Netherlands", "german": "Germany",
    "french": "France", "spanish": "Spain", "portuguese": "Portugal", "belgian": "Belgium",
    "swedish": "Sweden", "norwegian": "Norway", "finnish": "Finland",
    "austrian": "Austria", "italian": "Italy", "australian": "Australia", "japanese": "Japan", "canadian": "Canada",
    "polish": "Poland", "greek": "Greece", "cypriot": "Cyprus", "icelandic": "Iceland", "israeli": "Israel",
    "brazilian": "Brazil", "lebanese": "Lebanon", "maltese": "Malta", "lithuanian": "Lithuania",
    "singaporean": "Singapore", "american": "USA",
    "英国": "United Kingdom", "德国": "Germany", "法国": "France",
    "西班牙": "Spain", "荷兰": "Netherlands", "爱尔兰": "EIRE", "比利时": "Belgium", "瑞士": "Switzerland",
    "葡萄牙": "Portugal", "澳大利亚": "Australia", "澳洲": "Australia", "意大利": "Italy", "挪威": "Norway",
    "日本": "Japan", "美国": "USA", "芬兰": "Finland", "奥地利": "Austria", "丹麦": "Denmark", "瑞典": "Sweden",
    "塞浦路斯": "Cyprus", "波兰": "Poland", "希腊": "Greece", "以色列": "Israel", "加拿大": "Canada", "冰岛": "Iceland",
    "新加坡": "Singapore", "巴西": "Brazil", "南非": "RSA", "黎巴嫩": "Lebanon", "马耳他": "Malta", "巴林": "Bahrain",
    "阿联酋": "United Arab Emirates", "沙特": "Saudi Arabia", "沙特阿拉伯": "Saudi Arabia", "立陶宛": "Lithuania",
    "捷克": "Czech Republic", "海峡群岛": "Channel Islands",
}
SEGMENT_ALIASES = {
    "champion": "champions", "loyal customers": "loyal", "potential loyalist": "potential loyalists",
    "needs attention": "need attention", "need-attention": "need attention", "about-to-sleep": "about to sleep",
    "can't lose": "cannot lose", "cant lose": "cannot lose", "can not lose": "cannot lose",
    "can't lose them": "cannot lose", "at-risk": "at risk", "dormant": "hibernating",
    "new segment": "new", "segment new": "new", "'new' segment": "new", '"new" segment': "new",
    "冠军": "champions", "忠诚": "loyal", "潜在忠诚": "potential loyalists", "有潜力": "promising", "有希望": "promising",
    "需要关注": "need attention", "需关注": "need attention", "即将沉睡": "about to sleep", "不能失去": "cannot lose",
    "不能流失": "cannot lose", "有风险": "at risk", "风险": "at risk", "休眠": "hibernating",
    "新客户分群": "new", "新客群": "new",
}
CATEGORY_ALIASES = {
    "candles": "Candles & Lights", "candle": "Candles & Lights", "lights": "Candles & Lights",
    "kitchen": "Kitchen & Dining", "dining": "Kitchen & Dining", "home decor": "Home Decor", "decor": "Home Decor",
    "gifts": "Gifts & Novelties", "novelties": "Gifts & Novelties", "jewellery": "Jewellery & Accessories",
    "jewelry": "Jewellery & Accessories", "accessories": "Jewellery & Accessories", "bags": "Bags & Storage",
    "storage": "Bags & Storage", "cards": "Cards, Wrap & Stationery", "stationery": "Cards, Wrap & Stationery",
    "wrap": "Cards, Wrap & Stationery", "christmas": "Christmas", "xmas": "Christmas", "garden": "Garden & Outdoor",
    "outdoor": "Garden & Outdoor", "toys": "Toys & Kids", "kids": "Toys & Kids", "easter": "Easter",
    "party": "Party & Celebrations", "celebrations": "Party & Celebrations",
    "蜡烛": "Candles & Lights", "灯": "Candles & Lights", "厨房": "Kitchen & Dining", "餐具": "Kitchen & Dining",
    "家居": "Home Decor", "家居装饰": "Home Decor", "礼品": "Gifts & Novelties", "首饰": "Jewellery & Accessories",
    "饰品": "Jewellery & Accessories", "包袋": "Bags & Storage", "收纳": "Bags & Storage", "贺卡": "Cards, Wrap & Stationery",
    "文具": "Cards, Wrap & Stationery", "圣诞": "Christmas", "花园": "Garden & Outdoor", "户外": "Garden & Outdoor",
    "玩具": "Toys & Kids", "复活节": "Easter", "派对": "Party & Celebrations",
}
# the word before 'customers' ('share of German customers') is left to the names and conditions: it is a filter
SHARE_OF_CUSTOMERS = r"(?:\b(?:share|percentage|proportion|percent|fraction|portion)|%)\s+of\s+(?:our\s+|all\s+|the\s+)?" \
                     r"(?=(?!(?:revenue|sales|spend|money|turnover|income|takings|orders|units)\b)(?:[\w\-]+\s+)?" \
                     r"(?:customers|buyers|shoppers|clients)\b)|\bwhat (?:share|percentage|proportion|percent|" \
                     r"fraction|%)(?: of (?:our |all |the )?(?!\d))?|\bhow many percent\b|" \
                     r"(?<!流失)(?<!流失的)(?<!流失客户)(?<!流失顾客)(?<!流失客户的)(?:占比|比例|百分比)|百分之几|百分之多少|份额"   # 流失的比例: the churn rate
# 'the value of our German customers': average customer value (all-time); a lone 'value' or 'worth' with counts is asked
VALUE_OF_CUSTOMERS = r"(?<!customer )\bvalue of (?:our |all |the |these |those )?(?:[\w\-]+ )?(?:customers|buyers|clients|shoppers)\b|" \
                     r"(?<!customer )(?<!lifetime )(?<!life-time )\bvalue (?:per|of each|of every|of a) (?:customer|buyer|client|shopper)\b"   # 'lifetime value' is LTV
VALUE_WORD = r"\b(?:value|worth)\b"
HOW_MANY_ARE_THERE = r"\bhow many (?:are there|are in (?:it|them|that group|the segment|this segment)|of them|of those)\b"
ASIDE_ASKS_A_FIGURE = r"%|\b(?:share|percentage|proportion|percent|fraction|how many|how much)\b|占比|比例|百分比|多少"
# '% of 2011 buyers ...': the period takes 'of 2011' first, so the share word is read on its own before it
# A count of customers followed by an aside asking a share ('how many UK customers ordered twice (as a %)',
# '...的客户有多少（占比）'): the share of the customers the question scopes. (count words, the aside at the end)
COUNT_AS_SHARE_ASIDE = r"\s*[(（]\s*(?:as an? |in )?(?:%|percent(?:age)?|share|proportion|fraction|占比|比例|百分比)\s*[)）]\s*[?？.。]?\s*$"
COUNT_AS_SHARE_EN = r"^\s*(?:how many|(?:the )?number of|count of)(?= (?:[\w\-]+ ){0,2}(?:customers|buyers|clients|shoppers)\b)"
COUNT_AS_SHARE_ZH = r"(?:的)?(?:客户|顾客|买家)(?:数量|数|有多少(?:个|位|名)?|有几(?:个|位|名)?|是多少)|的人数|多少(?:个|位|名)?(?=(?:客户|顾客|买家))"
SHARE_BEFORE_PERIOD = r"(?:\b(?:share|percentage|proportion|percent|fraction|portion)|%)(?=\s+of\s+(?:the\s+)?" \
                      r"(?:(?:19|20)\d\d|last year|this year|last quarter|this quarter|last month|this month)\s+" \
                      r"(?:[\w\-]+\s+)?(?:customers|buyers|shoppers|clients)\b)"
# 'customers who bought X - what % are loyal': the share is of X's buyers (the base), those in the group (the part)
SHARE_OF_BUYERS_ARE = r"\b(?:what|which) (?:share|percentage|proportion|percent|fraction|%)(?: of (?:them|those|these))? " \
                      r"(?:are|were|is)\b|\b(?:who|that) (?:have |had |ever )?(?:bought|purchased|ordered)\b.* (?:are|were)\b"
# 'how many <category> items did loyal customers buy': units bought, not a count of customers or a product breakdown
ITEMS_BOUGHT = r"\b(how many)\b(?: [\w\-&]+){0,3} (items|pieces|units|things)\b(?: [\w\-&]+){0,4} " \
               r"(?:buy|bought|purchase|purchased|order|ordered)\b"
# 'units, orders and customers': 'customers' in a list of figures is a figure too, not who
_LISTED = r"(?:units(?: sold)?|orders|revenue|sales|gross sales|returns(?: value)?|items sold)"
METRIC_LIST_CUSTOMERS = rf"\b{_LISTED}\s*(?:,|,? and|&)\s*(?:the )?(?:number of )?customers\b(?! (?:who|that|which|from|of|with)\b)|" \
                        rf"^(?:the )?(?:number of )?customers (?:and |& ){_LISTED}\b|" \
                        rf"^(?:the )?(?:number of )?customers,? {_LISTED},? (?:and|&) {_LISTED}\b"   # normalize drops commas
TOP_PERCENT = r"\btop\s+(\d+(?:\.\d+)?)\s*(?:%|percent|per cent|pct)\s*(?:of\s+)?(?:our\s+|the\s+|all\s+)?" \
              r"(?:customers|buyers|clients|spenders)?|前\s*(\d+(?:\.\d+)?)\s*%\s*(?:的)?(?:客户|顾客)?|" \
              r"(?:最好|最大|最高|排名前)?\s*(\d+(?:\.\d+)?)\s*%\s*(?:的)?(?:客户|顾客)"
CHANGE = r"\bchange(?:d)?\b|\bgrowth\b|\bgrow(?:n|ing)?\b|\bgrew\b|\bincrease(?:d)?\b|\bdecrease(?:d)?\b|\bdrop(?:ped)?\b|" \
         r"\bfell\b|\brise\b|\brose\b|\bup or down\b|\bvs\.? (?:the )?(?:previous|prior|last) (?:period|month|quarter|year)\b|" \
         r"\bcompared (?:to|with) (?:the )?(?:previous|prior|preceding) (?:period|month|quarter|year|window)\b|" \
         r"\b(?:month|quarter|year) over (?:month|quarter|year)\b|\bmom\b|\bqoq\b|\byoy\b|(?:涨|升|增加|增长|上涨|上升)了?还是(?:跌|降|减少|下降|下跌)了?|环比|涨幅|增幅|降幅|跌幅|变化|增长|下降|增加|减少|上涨|下跌|涨|跌|(?<!至)(?<!最)(?:多|少)了?多少(?!钱)"
CHANGE_PERCENT = r"(?<!占)(?<!\d)百分比|(?<!\d)\b(?:percentage|percent|pct)\b(?!\s+of\b)|(?<![\d\w])%(?!\s*of\b)"   # in a change
# question, "and the %" / 百分比也给一下 is the change in percent, which every change answer states
PREVIOUS_REF = r"\b(?:with|vs\.?|versus|to|than|against) (?:the )?(?:\d+|seven|thirty|ninety)(?: (?:days|weeks))? before(?: that| it| then)?\b|" \
               r"(?:和|与|跟|比)前\s*\d+\s*(?:天|日|周)(?:相比|比)?|" \
               r"(?:和|与|跟|比)?(?:之前|此前|再之前|再往前)(?:的)?\s*\d+\s*(?:天|日|周)(?:相比|比|对比)?|" \
               r"\b(?:than|vs\.?|versus|against|compared (?:to|with)|from|with|to) (?:the )?(?:previous|prior|preceding) " \
               r"(?:\d+|one|two|three|four|six|seven|ten|twelve|fourteen|thirty|sixty|ninety)(?: (?:days|weeks|months))?\b|" \
               r"\b(?:than|vs\.?|versus|against|compared (?:to|with)|from) (?:the )?(?:previous|prior|preceding|one before|" \
               r"period before)(?: (?:period|month|quarter|year|window))?\b|\bthe (?:week|month|quarter|period|year) before\b|" \
               r"\b(?:(?:with|vs\.?|versus|to|than|against|compared (?:to|with)) )?(?:the |a )?(?:same|equal)[- ](?:length|size|sized|long) " \
               r"(?:window|period|stretch|span|run) (?:just |immediately |right )?before(?: that| it| then)?\b|" \
               r"\b(?:(?:with|vs\.?|versus|to|than|against|compared (?:to|with)) )?(?:the )?(?:previous|prior|preceding) " \
               r"(?:window|period|stretch) of (?:the )?(?:same|equal) length\b|" \
               r"与上期相比|比上期|相比上期|上期|比上(?:一)?(?:个)?月|" \
               r"(?:和|与|跟|比|对比)\s*(?:再(?:往)?上|上上|前)(?:一)?(?:个)?(?:季度|月|年)(?:相比|比|对比)?"   # Q3和再上一个季度比, 上个月跟前一个月比: the period before the one named
COMPARED_MORE = r"(?:(?<=\bspent )|(?<=\bspend )|(?<=\bspends )|(?<=\bbought )|(?<=\bsold )|(?<=\bearned )|" \
                r"(?<=\bordered )|(?<=\bmade ))(?:more|less)\b(?! than)"   # 'UK vs Germany: who spent more': the comparison
VERSUS = r"\bvs\.?\b|\bv\.?(?= )|\bversus\b|\bcompared (?:to|with)\b|\bagainst\b|\bor\b|\band\b|对比|相比|与|和|跟|比"
ALL_TIME = r"\bsince (?:we (?:started|opened|began|launched)|the (?:start|beginning)|launch|day one)\b|\ball(?:-| )time\b|\bever\b|\bin total\b|\boverall\b|\bso far\b|\bto date\b|\b(?:whole|entire|full) history\b|\bof all time\b|历史上|总共|一共|累计|迄今|(?:全部|所有|整个|全)(?:的)?(?:时间|时期|历史)|有史以来"
SELL_VERBS = r"\b(?:went|gone|go|goes|going) out(?: the door)?\b|\b(?:flew|flown|fly|flying|flies) off (?:the )?shelves\b|" \
             r"\b(?:sell|sold|sells|selling|shift|shifted|shipped|ship|dispatched|moved)\b|卖了|卖出|售出|卖|销售(?:了|出)?"
BUY_VERBS = r"\b(?:bought|buy|buys|buying|purchased|purchase|ordered|order)\b|买过|购买过|购买了|买了|购买|买|下过单|下了单|下单"
BUYERS_OF = r"\b(?:customers|people|buyers|shoppers|clients) (?:who|that) (?:have |had |ever )?(?:bought|purchased|ordered|buy|buys)\b|" \
            r"\bbuyers of\b|\bpurchasers of\b|(?:购买过|买过|购买了|买了)(?=\S*的(?:客户|顾客))"
FILLER = set("""
a an the of in on at for to from with by per and or is are was were be been being do does did done have has
had how many much what which who whom whose that this these those there their our we us me my i you your it
its show give list tell get got please can could would will let see find me display report total overall
number count amount value figure figures data all any some each every so far currently now right as about
across within among amongst made make making generate generated generates bring brought come comes came from
our store shop business during over than when where into out ones one them they customers customer people
buyers placed place having been time far level levels based located living live lives fall falls belong
belongs brings bringing contribute contributes contributed account accounts gain gained gaining win won
attract attracted something anything sit sits respectively overall on group groups did do does breakdown split
separately individually pls plz take took taken taking stuff things theirs tracking trending performing popular favourite favorite rfm
predicted estimated actually really basically quite distinct unique thanks thx cheers kindly hey
also already effectively
ranked rank ranking sorted sort descending ascending top most least biggest largest smallest highest lowest
best worst bottom leading kind kinds type types whats what's how's hows tell give shows showing shown vs
versus compared compare comparison against
""".split())
COMPOUND_FILLER = {"brand"}   # a part of a hyphenated word that only stresses the other part ('brand-new')
FILLER_CJK_WORDS = ("统计", "全部", "所有", "整体", "总体", "分别", "数量", "情况", "一共", "总共", "合计", "总计", "多少", "哪些", "什么",
                    "怎么样", "如何", "变化", "相比", "卖了", "卖出", "东西", "到现在", "至今", "迄今为止", "排名", "排行",
                    "排序", "排个名", "排一下名", "排个序", "排一下序", "排一排", "排一下", "拉一下", "拉一份", "拉出来",
                    "以来", "这个", "这些", "这款", "该款", "谢谢", "多谢", "麻烦", "请问", "辛苦了", "辛苦",
                    "帮我查一下", "帮我查查", "帮我查", "帮我看一下", "帮我看看", "帮忙查一下", "帮忙看一下", "帮忙", "查一下", "查查")
FILLER_PHRASES = (   # phrases that carry no meaning for the query (each word alone might)
    r"\bi\.?e\.?(?![\w.])|\bthat is(?: to say)?\b|\bin other words\b|\bnamely\b|\ba\.?k\.?a\.?(?![\w.])|"   # restating
    r"也就是说|也就是|(?:(?<=\s)|^)即(?!将|使|可|时|刻|日|便)|"   # '流失率，即…' (not 即将)
    r"\bbreak(?:s|ing)? (?:it |this |that )?down\b|\bpick(?:ed|ing)? up\b|\bat least once\b|"
    r"\bc(?:a|o)mes? back (?=and (?:ordered|bought|purchased|shopped|order|buy))|"
    r"\bin between\b(?!\s+(?:\w+\s+){0,2}(?:and|to)\b)|\bin the meantime\b|"   # '(and the returns in between)'
    r"\b(?:just )?(?:out of|for) (?:interest|curiosity)\b|\bjust (?:curious|wondering|checking)\b|"   # courtesies
    r"\b(?:in|within) the same (?:year|month|quarter)\b|到目前为止|目前为止|截至目前|截止目前|截至今天|截止今天|"
    r"也要(?=\s|$)")     # '百分比也要': that as well
# 'countries with at least 10 customers': a group size floor, the privacy floor when N is at most k (nlq checks)
# before a country, segment, cluster or category name: its lines are left out ('top 3 countries excluding the UK')
EXCLUDING = r"\b(?:excluding|excl\.?|except(?: for)?|other than|outside(?: of)?|apart from|but not|not counting|" \
            r"leaving out|without)\s+(?:the\s+)?|\bnon-\s*|除了?|不含|不包括|不包含|排除"
EXCLUDING_AFTER = r"\s*(?:以外|之外|除外)(?:的)?"     # 除了英国以外, 英国除外
ITEMS_ARE_UNITS = r"\b(?:sell|sells|sold|selling|buy|bought|ordered|purchased|shipped|moved|went out|gone out|shelves|" \
                  r"units?)\b"     # beside one of these, 'how many items' counts units sold
K_ANONYMITY_FLOOR = r"\b(?:only |just )?(?:(?:the )?(?:countries|groups|segments|categories|products|clusters|markets|" \
                    r"ones|those|rows) )(?:that have |having |with )(?:at least|a minimum of|min\.?|no fewer than|" \
                    r"no less than|>=) ?(?P<n>\d+) (?:customers|buyers|shoppers|people)\b"
K_ANONYMITY_PHRASE = r"\b(?:only |just )?(?:(?:countries|groups|segments|categories|products|clusters|ones) )?with " \
                     r"enough (?:customers|buyers|shoppers|people|data)\b|" \
                     r"\b(?:only |just )?(?:the ones|those|the groups|groups|the rows|rows|ones) (?:that )?(?:you'?re|you are|we'?re|" \
                     r"we are|i'?m|i am) allowed to (?:show|see|display|share|report)\b|" \
                     r"\b(?:excl\.?|excluding|except|without|leaving out|leave out|skip(?:ping)?|drop(?:ping)?|minus) " \
                     r"(?:anything|any|all|groups?|ones|rows|those|the ones|the groups)(?: (?:that|which) (?:are|is))? " \
                     r"too small to (?:show|report|display|share)\b|" \
                     r"\b(?:excl\.?|excluding|except|without|leaving out|ignoring|ignore|skip(?:ping)?|drop(?:ping)?) (?:the )?" \
                     r"(?:small|tiny|very small) (?:ones|groups|countries|segments|categories|clusters)\b|" \
                     r"(?:排除|去掉|不含|不包括|剔除)(?:人数)?(?:太小|过小|太少|过少)的(?:组|分组|群体|国家)?|" \
                     r"(?:只看|只显示|仅显示|只要)(?:允许|可以|能)(?:显示|展示|公开)的"     # the layer always hides small groups
ORDER_ONLY = {   # 'biggest first': a sort order, no top-N
    "desc": r"\b(?:biggest|largest|highest|most|best) first\b|\bfrom (?:highest|high|most) to (?:lowest|low|least)\b|"
            r"\bin descending order\b|从高到低|由高到低|从多到少|由多到少|从大到小|由大到小|降序",
    "asc": r"\b(?:smallest|lowest|least|worst) first\b|\bfrom (?:lowest|low|least) to (?:highest|high|most)\b|"
           r"\bin ascending order\b|从低到高|由低到高|从少到多|由少到多|从小到大|由小到大|升序"}
# net revenue per paying customer (metric revenue_per_customer); read before 'per customer' is taken as a breakdown
REVENUE_PER_CUSTOMER = r"\b(?:(?:average|avg\.?|mean) )?(?:net )?(?:revenue|sales|takings|income|turnover) " \
                       r"(?:per|each|every) (?:paying |purchasing |buying |active )?(?:customer|buyer|client|shopper)\b|" \
                       r"\barp(?:u|c|pu)\b|每(?:一)?(?:位|个|名)?(?:付费|购买|下单)?(?:客户|顾客|买家)(?:的)?(?:平均)?(?:净)?(?:收入|营收|销售额)|" \
                       r"每(?:一)?(?:位|个|名)?(?:付费|购买|下单)?(?:客户|顾客|买家)(?:平均)?(?:贡献|带来)(?:了)?(?:多少|几)?(?:的)?" \
                       r"(?:净)?(?:收入|营收|销售额)|人均(?:净)?(?:收入|营收|销售额)"
AVERAGE_WORDS = r"\bhow likely\b|\b(?:on )?average\b|\bavg\.?(?!\w)|\bmean\b|\btypical\b|平均"   # for metrics that are averages
AMBIGUOUS_EARLY = [   # (regex, question, choices) checked before metric phrases take the words
    # one customer, or their names: never answered (privacy), and never read as a ranking of products
    (r"\bwhich (?:one )?(?:customers?|clients?|buyers?|shoppers?)\b(?!\s*(?:segments?|clusters?|groups?|types?|"
     r"categor|countr|markets?|base)\b)|\bwho (?:is|are|was|were) (?:our|the) (?:biggest|best|"
     r"top|largest|most valuable)(?: customers?| clients?| buyers?| spenders?)?\b|\b(?:customer|client) names?\b|"
     r"\bnames? of (?:the |our |those |these )?(?:customers|clients|buyers)\b|哪(?:一)?(?:个|位|些|名)(?:客户|顾客|买家)(?!群|分群|类|细分|聚类|组)|"
     r"(?:客户|顾客|买家)(?:的)?(?:名字|姓名|名单)|把名字|名字给我",
     "I can't name or rank individual customers (their privacy); I can rank countries, segments or clusters. Which?",
     ("which country", "which segment")),
    (r"\b(?:how many|number of|count of|count the) (?:returns|refunds|returned (?:orders|items|products)|"
     r"credit notes|cancellations)\b|(?:多少|几)(?:次|笔|个|单)退货|退货(?:次数|单数|数量)",
     "I have the value of returns (money) and the number of customers who returned something, not a count of "
     "returns. Which one?", ("returns value", "customers who returned something")),
    (r"\bcustomer groups?\b", "By customer group, do you mean the RFM segments or the behavioural clusters?",
     ("segment", "cluster")),
    (r"\b(?:average|avg\.?|mean|typical) (?:customer )?spend(?:ing)?\b(?! per (?:customer|buyer|client|head|order|basket|transaction|invoice)\b)|(?<!每个客户)(?<!每位客户)(?<!每个客户的)平均消费",
     "Average spend per order (average order value) or per customer (customer value)?",
     ("average order value", "customer value")),
    # a figure 'per order' other than average order value: not in the layer (once answered as the plain total)
    (r"\b(?:(?:average|avg\.?|mean|typical) )?(?:net |gross )?(?:revenue|sales|takings|income|money|turnover)(?: \w+)? "
     r"(?:per|each|every|an?) (?:order|invoice|transaction|basket|purchase)\b|"
     r"每(?:一)?(?:单|笔|个订单)(?:订单)?(?:的)?(?:净)?(?:收入|营收|销售额|营业额)",
     "Per order, the layer has average order value (gross sales / orders, before returns); no other money figure "
     "per order. Average order value?", ("average order value",)),
    (r"\b(?:(?:average|avg\.?|mean|typical) )?(?:units|items|pieces|quantity|products)(?: sold)? "
     r"(?:per|each|every|an?|in an?) (?:order|invoice|transaction|basket|purchase)\b|"
     r"每(?:一)?(?:单|笔|个订单)(?:订单)?(?:的)?(?:平均)?(?:件数|商品数|数量|销量)",
     "The layer has no items-per-order figure; it has units sold and average order value (money per order). "
     "Which one?", ("units sold", "average order value")),
    (r"\b(?:(?:average|avg\.?|mean|typical) )?(?:basket|order) size\b|\b(?:average|avg\.?|mean|typical) basket\b(?! value)|"
     r"平均(?:购物)?篮子?大小",   # money or items per order?
     "By basket size, do you mean money per order (average order value) or items per order? The layer has "
     "average order value; items per order it does not have.", ("average order value",)),
]
PREDICTED_COUNT = r"\b(?:customers|buyers|clients|people|shoppers) (?:are|is|were|will|would)(?: be)?(?: \w+)? " \
                  r"(?:likely|at risk of|going to|expected to|predicted to|probably)\b|" \
                  r"(?:多少|几)(?:个|位|名)?(?:客户|顾客|人)(?:可能|会|有可能|很可能)"   # a count by a predicted probability
SAME_PERIOD = r"\bin the same period\b"   # "customers who bought X in the same period": the bought filter uses the period
FILLER_CJK = set("数的是有多少我们个了吗在中里各每哪些什么请显示一下总共一按位名人从来自来源于买哪个家比较对比与和跟相比么呢吧啊给看列出告诉其"
                 "几过得也排")      # 几 how many, 过 (买过/下过: done before), 得 (买得最多), 也 also; 帮我查一下 is a phrase above
METRIC_PAIRS = {   # a metric's first word -> the words that may follow it: 'churn rte' is 'churn rate' (one edit, one fit)
    "churn": ("rate", "risk"), "repeat": ("rate",), "purchase": ("rate",), "order": ("value",), "gross": ("sales",),
    "net": ("revenue", "sales"), "returns": ("value",), "customer": ("value",), "units": ("sold",)}
CJK_TYPOS = {   # homophone typos of the layer's own Chinese metric words (pinyin input picks the wrong character)
    "复够率": "复购率", "复构率": "复购率", "回够率": "回购率", "流逝率": "流失率", "留失率": "流失率",
    "客单加": "客单价", "消售额": "销售额", "销受额": "销售额", "营业鹅": "营业额", "定单": "订单", "退获": "退货",
}
LOGIC_WORDS = set("""
only just up between before after since until till not no never without except excluding apart both either neither
other others more less than same different including include includes included inclusive incl
""".split())   # words that change a question's meaning: never read as a product name, never filler, never a typo
KNOWN_WORDS = set("""
revenue sales gross returns return returned refunds refund orders order invoices units quantity items sold customers
customer buyers shoppers clients people average value basket repeat purchase purchases frequency churn churned
risk probability likelihood high lifetime acquired first time segment segments country countries market markets
category categories product products month months monthly cluster clusters quarter year week weeks days
previous last this current change growth increase decrease compared versus between share percentage proportion
percent fraction portion total number count best selling seller sellers popular biggest largest highest lowest
smallest least most bottom worst leading top higher lower bigger larger better worse breakdown ranking ranked exactly least more than once twice multiple
item items unit times product thing things stuff goods purchased bought ordered placed spent spend sent send sends
churning lapsing lapsed lapse quiet propensity acquisition cancellations cancellation cancelled refunded allowed
rate rates net recency monetary before after deducted subtracted excluding including cancelled
january february march april june july august september october november december
""".split())


def _phrase_words() -> set[str]:
    """Every English word the phrase tables above spell out: known words, never read as a typo of another word."""
    import re
    tables = [p for _, p in METRIC_PHRASES] + [p for p, _, _ in AMBIGUOUS_METRICS + AMBIGUOUS_EARLY] + \
        [p for p, _ in CONDITIONS] + list(DIMENSION_NOUNS.values()) + list(ORDER_ONLY.values()) + \
        [BEST_SELLING, GROUP_CUES, RANK_DESC, RANK_ASC, SHARE_OF_CUSTOMERS, TOP_PERCENT, CHANGE, PREVIOUS_REF, VERSUS,
         ALL_TIME, SELL_VERBS, BUY_VERBS, BUYERS_OF, FILLER_PHRASES, K_ANONYMITY_PHRASE, AVERAGE_WORDS, SAME_PERIOD]
    return {w for p in tables for w in re.findall(r"\b[a-z]{3,}\b", re.sub(r"\\[a-zA-Z]", " ", p))}   # \b, \s: not words


PHRASE_WORDS = _phrase_words()

SHORTHANDS = [   # (regex, replacement) applied to the normalised question: short forms staff type for layer words
    (r"\bno\.? of\b|#\s*of\b", "number of"), (r"\bper head\b", "per customer"),
    (r"\bcustomer base\b", "customers"), (r"(?<=\d)\s*(?:pc|pct)\b", "%"), (r"\b(?:pc|pct) of\b", "percent of"),
    (r"\brevs?\b", "revenue"), (r"\bcusts\b", "customers"), (r"\bcust\b", "customer"),   # 'rev', 'custs'
    # 'bought anything from Christmas': bought from the category ('from Christmas to New Year', '... 2010': a period)
    (r"\b((?:bought|buy|buys|ordered|purchased|shopped) (?:anything |something |stuff |items |products )?from "
     r"(?:the |our )?(?:christmas|xmas|easter))\b(?! (?:category|range|products?|items?|stuff|to|until|till|through|"
     r"onwards|season|period|\d))", r"\1 category"),
    (r"\bcancelations\b", "cancellations"), (r"\bcanceled\b", "cancelled"),   # US spelling
    (r"\bunit sales\b", "units sold"),     # not units beside sales (revenue)
    (r"\byrs?\b", "year"), (r"\b(?:mths?|mnths?)\b", "month"), (r"\bqtrs?\b", "quarter"),   # 'this yr', 'last qtr'
]

# -- harmless words: a closed list of words that never change what is asked (never a logic, negation, comparison,
# time or filter word). Each is explained only beside what it leans on, and the answer notes it as not changing
# the question (nlq.HARMLESS_NOTE).
SPEND_PER_CUSTOMER = r"\b(?:(?:average|avg\.?|mean|typical) )?(?:(?:all[- ]time|lifetime|total) )?(?:gross )?(?:spend|spending) " \
                     r"(?:per|by each|for each|for every|of (?:a|each|the average)) (?:customer|buyer|client)\b"   # no period named: customer value
_GROUP_NOUN = r"(?:(?:customers?|buyers|clients|shoppers|segment|cluster|group|market|country)\s+|(?:的)?(?:客户|顾客)\s*)?"
COLLECTIVE_AFTER_GROUP = rf"^\s*{_GROUP_NOUN}(?P<w>lot|bunch|crowd|folks?|gang|guys|mob|cohort|people|ones)\b|" \
                         rf"^\s*{_GROUP_NOUN}(?P<z>这群人|这帮人|这批人|那群人|那帮人|那批人|这群|这帮|这批|那群|那帮|那批|这伙人|群体)"   # 'the hibernating lot', 休眠客户这群人
RESTRICTOR_BEFORE = r"(?:\b(?:only|just|solely|exclusively|purely)(?: (?:in|for|from|to|the))*|仅限|仅|只看|只算|只)\s*$"   # 'just Germany'
RESTRICTOR_AFTER = rf"^\s*{_GROUP_NOUN}(?P<w>only|alone)\b(?! (?:bought|ordered|purchased|once|twice|one|\d))|" \
                   rf"^\s*{_GROUP_NOUN}(?P<z>而已|就行|就好)"   # 'UK only'
PLACE_AFTER_COUNTRY = r"^\s*(?P<z>那边|这边|那里|这里|那儿|这儿)(?!.*(?:那边|这边|那里|这里))"   # 法国那边的订单: filler
SAME_PERIOD_AGAIN = r"\b(?:that|the same|this same|said) (?:year|month|quarter|week)(?:'s)?\b(?! before| after| earlier| later)|" \
                    r"当年|那年|同年|该年|那一年|当月|那个月|该月|同月|当季|该季度"   # '... in 2011 ... that year': the one period named
INTENSIFIERS = r"\bbrand(?:-| )(?=new\b)|\bdifferent (?=(?:customers|buyers|clients|shoppers|people)\b)"   # 'different customers': customers are distinct anyway
CHURN_OLD = r"老(?=客户|顾客|客)"               # 老客户流失: the churned are old customers by definition
CJK_VERBS = ("拉了", "拉来", "拉到", "拉来了", "带来了", "带来", "贡献了", "贡献")   # 拉了多少新客, 贡献了多少销售额
# The last character of a 2-character country name typed as a same-sound character by pinyin input (德过 -> 德国,
# 瑞仕 -> 瑞士): only these are read in a 2-character name, since many everyday words are one character off one
# (日期 日本, 美元 美国, 欧洲 澳洲); characters that make a common word with the first (波澜, 南飞) are left out.
LAST_CHAR_HOMOPHONES = {
    "国": "过果锅郭帼囯裹", "士": "仕事是市世式示氏适", "典": "点电碘", "兰": "蓝篮栏拦岚", "麦": "卖迈脉",
    "腊": "蜡辣", "威": "为维微围伟", "岛": "到倒导捣", "克": "刻客课", "洲": "州周舟", "西": "希溪稀析",
    "林": "琳临淋邻", "本": "苯笨",
}
# ------------------------------------------------------------ agreement (segments/agreement.py)
# Words that may change what a question asks: an unexplained word of these kinds is never read as harmless, even
# when the LLM's reading agrees with the rules' (logic, negation, comparison, time, number, filter, metric or
# dimension words). Names of the shop's countries, segments, clusters, categories and product-title words are added
# by the caller (they come from the data).
TIME_WORDS = set("""
today yesterday tomorrow ago day days daily week weeks weekly weekend month months monthly quarter quarters quarterly
year years yearly annual annually fy ytd mtd qtd season seasonal holiday holidays christmas easter spring summer
autumn fall winter jan feb mar apr may jun jul aug sep sept oct nov dec morning evening night hour hours date dates
period periods recent recently latest lately earlier later early late past next prior previous since until till
calendar fiscal h1 h2 q1 q2 q3 q4 half
""".split())
NEGATION_WORDS = set("""
not no never none nor neither without except excluding exclude excludes excluded isn't aren't wasn't weren't don't
doesn't didn't haven't hasn't hadn't won't can't cannot shouldn't wouldn't nothing nobody non minus less fewer
excl exc ex w/o wo sans bar barring omit omitting omitted ignore ignoring ignored skip skipping skipped leave leaving
drop dropping dropped remove removing removed exclusive only just solely purely alone instead rather unless
""".split())
COMPARISON_WORDS = set("""
vs versus compare compared comparison against than more less fewer higher lower bigger smaller larger better worse
above below over under beyond within between relative ratio per each every average avg mean median sum max min
maximum minimum rate share percent percentage proportion growth change difference delta trend rank top bottom
""".split())
# Things the layer does not have (a currency other than the shop's, tax, cost, margin, discount, shipping): a question
# naming one must never be answered as if the word were not there ('revenue in USD' is not revenue in pounds)
UNSUPPORTED_WORDS = set("""
usd eur euro euros dollar dollars gbp sterling yen yuan rmb cny jpy chf aud cad currency currencies convert converted
conversion exchange fx vat tax taxes cost costs margin margins profit profits discount discounts discounted coupon
coupons voucher vouchers shipping postage freight delivery commission fee fees budget forecast forecasted predicted
""".split())
_METRIC_DIMENSION_WORDS = {w for p in [p for _, p in METRIC_PHRASES] + list(DIMENSION_NOUNS.values())
                           for w in re.findall(r"\b[a-z]{3,}\b", re.sub(r"\\[a-zA-Z]", " ", p))} - FILLER
# quantifiers of the whole population: before a layer noun they restrict nothing ('the whole customer base')
WHOLE_POPULATION = {"whole", "entire", "all", "overall", "total", "全部", "所有", "整体", "全体"}
RISKY_WORDS = LOGIC_WORDS | KNOWN_WORDS | _METRIC_DIMENSION_WORDS | TIME_WORDS | NEGATION_WORDS | COMPARISON_WORDS | \
    {w for w in NUMBER_WORDS if w.isascii()} | set("""
eleven twelve thirty forty fifty hundred thousand million half quarter dozen first second third fourth fifth last
""".split()) | UNSUPPORTED_WORDS
# Chinese: a leftover run holding any of these characters may change the question (negation, comparison, time,
# number, metric or dimension characters), so it is never read as harmless
RISKY_CJK = set("不没无非未别除外否比较多少高低增减涨跌前后上下内外年月日天周季度号时期今昨明去零一二两三四五六七八九十百千万亿"
                "数率额量价单件次笔客户人国类品群率钱元镑收入销售退货订新老流失复购均平总占比"
                "美欧币汇换算税费成本利润折扣运邮预测")     # and what the layer lacks: currencies, tax, cost, discount ...
# 'X, sorry, I mean Y' / 'X……不对，我是说Y': the writer corrects themselves; only Y counts (nlq._self_correction)
_PUNCT = r"[\s,.;:!…\-–—，。；：！、]"
SELF_CORRECTION = rf"{_PUNCT}+(?:(?:sorry|oops|whoops|no|nope|wait|no wait|actually|correction|scratch that|my bad)" \
                  rf"{_PUNCT}+(?:i\s+)?(?:mean|meant)\b|i\s+meant\b|(?:sorry|oops|whoops|correction|scratch that|my bad|or rather|make that)\b)" \
                  rf"{_PUNCT}*|{_PUNCT}*(?:不对|说错了|打错了|错了|哦不|噢不|更正)(?:{_PUNCT}*(?:我是说|我的意思是|应该是|是))?{_PUNCT}*|" \
                  rf"{_PUNCT}+(?:我是说|我的意思是){_PUNCT}*"
# an aside the question may carry around the real question (nlq._without_aside); group 'aside' is the remark
ASIDES = (r"[(（\[](?P<aside>[^()（）\[\]]{1,80})[)）\]]",                     # '... (just curious)'
          r"^\s*(?P<aside>[^:：?？()（）]{1,30}?)\s*[:：]\s*",                 # 'finance q: ...'
          r"^\s*(?P<aside>[^-–—?？]{1,30}?)\s+[-–—]+\s+",                     # 'marketing here - ...'
          r"\s+[-–—]+\s+(?P<aside>[^-–—]{1,60}?)\s*[?？.!！。]*\s*$")          # '... - asking for the board'
RESTATED_FILTER_WORDS = r"\b(?:only|just|alone)\b|仅限|仅|只看|只"   # beside a restated name: '(UK only)'
