"""Generic property-management vocabulary for matching questions to any handbook.

Data only: nothing here names an entry of a particular handbook. Each table is
applied to handbook text and questions alike (see `knowledge.text`), so both
sides end up in the same words.
"""

from __future__ import annotations

from pathlib import Path

# Traditional → simplified for characters residents type in this domain.
# (Two strings of equal length, character i of one maps to character i of the other.)
_TRADITIONAL = (
    "費業車電裝繳門號間時話麼嗎維報壞鑰處辦證遞寵區這個們開關問題請還說對後會現發樣應當從"
    "熱線線網絡務樓層單戶點總幾時間錢貨櫃滅氣燈聲員閘帶擺攤與為無隻狗貓傢俱電腦寬頻換繫係"
    "聯絡簽協議驗圖紙審核請購買賣租過夠讓參觀場動運區域綠環衛潔垃圾桶運輸險災難療傷醫護"
    "廁積淨淺灑噴漏斷停溫暖熱冷飲療診餐廳館書圖遊樂園兒童車庫閱讀際標準規則禁煙燒燃燈罩"
    "瓦斯煤氣閥鎖鐵窗陽臺臺灣晾曬衣竿裝飾飾品鄰居噪音擾聽說嗎麼呢兩週週末節假"
)
_SIMPLIFIED = (
    "费业车电装缴门号间时话么吗维报坏钥处办证递宠区这个们开关问题请还说对后会现发样应当从"
    "热线线网络务楼层单户点总几时间钱货柜灭气灯声员闸带摆摊与为无只狗猫家俱电脑宽频换系系"
    "联络签协议验图纸审核请购买卖租过够让参观场动运区域绿环卫洁垃圾桶运输险灾难疗伤医护"
    "厕积净浅洒喷漏断停温暖热冷饮疗诊餐厅馆书图游乐园儿童车库阅读际标准规则禁烟烧燃灯罩"
    "瓦斯煤气阀锁铁窗阳台台湾晾晒衣竿装饰饰品邻居噪音扰听说吗么呢两周周末节假"
)
TRADITIONAL_TO_SIMPLIFIED: dict[str, str] = {
    t: s for t, s in zip(_TRADITIONAL, _SIMPLIFIED, strict=True) if t != s
}

# Typing and voice-to-text slips (homophones, near-shapes) → the intended word.
TYPOS: dict[str, str] = {
    "压金": "押金", "鸭金": "押金", "押经": "押金", "物页": "物业", "物叶": "物业", "无业费": "物业费",
    "勿业": "物业", "物也": "物业", "务业": "物业", "装俢": "装修", "庄修": "装修", "妆修": "装修",
    "装休": "装修", "报休": "报修", "抱修": "报修", "维秀": "维修", "为修": "维修",
    "电悌": "电梯", "电题": "电梯", "店梯": "电梯", "垫梯": "电梯", "停车卫": "停车位", "停车为": "停车位",
    "听车": "停车", "亭车": "停车", "挺车": "停车", "快第": "快递", "快地": "快递", "块递": "快递",
    # 天然气 maps to itself first: it is the right word (natural gas), not a 然气 typo to fold into 天燃气.
    "拉圾": "垃圾", "垃极": "垃圾", "拉级": "垃圾", "燃汽": "燃气", "然气": "燃气", "天然气": "天然气",
    "煤汽": "煤气", "澡唐": "澡堂", "永卡": "泳卡", "耶子": "椰子", "血躺": "血糖",
    "消妨": "消防", "销防": "消防", "门进": "门禁", "们禁": "门禁", "缴废": "缴费", "交废": "交费",
    "收废": "收费", "手续废": "手续费", "水废": "水费", "电废": "电费",
    "投宿": "投诉", "头诉": "投诉", "偷诉": "投诉", "业住": "业主", "页主": "业主", "叶主": "业主",
    "宠勿": "宠物", "冲物": "宠物", "充电装": "充电桩", "充电庄": "充电桩",
    "访可": "访客", "仿客": "访客", "车排": "车牌", "车派": "车牌", "办里": "办理", "半理": "办理",
    "申情": "申请", "深请": "申请", "热限": "热线", "热现": "热线", "电化": "电话", "点话": "电话",
    "停点": "停电", "听电": "停电", "听水": "停水", "停谁": "停水", "下水到": "下水道", "堵色": "堵塞",
    "漏税": "漏水", "露水": "漏水", "关人": "困人", "保结": "保洁",
    "绿话": "绿化", "分累": "分类", "分内": "分类", "装秀": "装修", "门精": "门禁", "保正金": "保证金",
    "驿占": "驿站", "义站": "驿站", "几点关们": "几点关门", "开们": "开门",
    # heating, septic tanks, storage, snow: the words of older northern estates
    "暖器": "暖气", "暖汽": "暖气", "曖气": "暖气", "供热费": "供暖费", "共暖": "供暖", "供曖": "供暖",
    "化分池": "化粪池", "化粪地": "化粪池", "花粪池": "化粪池", "储存间": "储藏间", "储藏室": "储藏间",
    "除藏间": "储藏间", "扫血": "扫雪", "试亚": "试压", "是压": "试压", "灭属": "灭鼠", "消傻": "消杀",
    # new estates and wall-hung boilers: the developer, sandstorms, the boiler (pinyin-IME slips)
    "报亭": "报停", "电提": "电梯", "保休": "保修", "电平车": "电瓶车", "台峰": "台风", "登格热": "登革热", "登哥热": "登革热", "坐便器": "马桶", "坐便": "马桶", "开放商": "开发商", "开法商": "开发商", "沙城暴": "沙尘暴", "沙成暴": "沙尘暴", "壁挂路": "壁挂炉",
    "壁挂护": "壁挂炉", "碧桂炉": "壁挂炉", "避挂炉": "壁挂炉",
}

# Words that mean the same thing to a resident; the first of each group is the one kept.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("物业费", "物业管理费", "物业服务费", "管理费", "物管费"),
    ("物业", "物管", "管理处", "物业公司", "物业服务中心", "服务中心", "客服中心", "物业中心", "物业办公室"),
    ("车位", "停车位", "泊位", "车位子"),
    ("停车", "泊车", "停放车辆", "停车子", "停个车"),
    ("押金", "保证金", "订金"),
    ("电梯", "升降梯", "直梯", "厢梯"),
    ("斜行电梯", "斜梯", "斜坡电梯", "坡道电梯", "斜电梯"),
    ("除颤仪", "除颤器", "aed", "自动体外除颤器"),
    ("身故", "去世", "过世", "离世", "病故", "逝世"),
    ("失智", "老年痴呆", "痴呆", "认知症", "阿尔茨海默"),
    ("早餐", "早饭"), ("午餐", "午饭", "中饭"), ("晚餐", "晚饭"),
    ("社保", "社会保险", "社保卡"), ("医保", "医疗保险", "医保卡"),
    ("上牌", "上牌照", "挂牌照"),
    ("报修", "报事报修", "报事", "保修", "申请维修", "叫人修", "找人修", "上门维修"),
    ("快递", "包裹", "快件", "邮件"),
    ("驿站", "快递柜", "丰巢", "代收点", "菜鸟驿站", "菜鸟"),
    ("缴费", "交费", "缴纳", "交纳", "付费", "付款", "支付", "交钱", "缴钱", "给钱"),
    ("收费", "收多少钱", "要多少钱", "多少钱", "价格", "价钱", "费用多少", "收费标准", "怎么收费"),
    ("退还", "退回", "返还", "退款", "退钱", "拿回", "要回"),
    ("垃圾", "废物", "废品"),
    ("建筑垃圾", "装修垃圾", "渣土"),
    ("门禁卡", "门卡", "出入卡", "门禁磁卡"),
    ("钥匙", "锁匙"),
    ("业主", "住户", "居民", "户主"),
    ("投诉", "举报", "反映问题", "告状"),
    ("电话", "手机号", "联系方式", "电话号码"),
    ("热线", "服务热线", "客服电话"),
    ("时间", "时候", "几点", "钟点"),
    ("办公时间", "上班时间", "营业时间", "工作时间", "开门时间"),
    ("燃气", "煤气", "天然气", "瓦斯"),
    ("漏水", "渗水", "滴水", "冒水", "跑水"),
    ("停电", "断电", "没电"),
    ("停水", "断水", "没水", "不来水"),
    ("宠物", "狗", "猫", "猫狗", "宠物狗", "狗狗", "遛狗"),
    ("访客", "来访", "客人", "外来人员", "朋友来"),
    ("装修", "装潢", "翻修", "翻新", "改造", "装饰"),
    ("卫生间", "厕所", "洗手间"),
    ("保洁", "清洁", "打扫", "卫生", "清扫"),
    ("绿化", "花草", "树木", "草坪"),
    ("充电桩", "充电车位", "电动车充电", "充电站"),
    ("电动车", "电瓶车", "电单车"),
    ("消防", "防火"),
    ("火灾", "着火", "失火", "起火", "火警"),
    ("困人", "被困", "关在里面", "困在里面", "卡住了", "出不来"),
    ("维修基金", "维修资金", "专项维修资金", "公共维修基金"),
    ("满意度调查", "满意度问卷", "问卷调查", "满意度测评"),
    ("业主大会", "业主会议", "业主委员会", "业委会"),
    ("搬家", "搬入", "搬出", "搬进", "搬走", "迁入", "迁出"),
    ("发票", "收据", "票据"),
    ("噪音", "噪声", "吵", "太吵", "扰民"),
    ("租房", "出租", "租赁", "租出去"),
    ("家政", "保姆", "钟点工", "家政服务"),
    ("验收", "竣工验收", "检查验收"),
    ("图纸", "设计图", "施工图"),
    ("协议", "合同"),
    ("活动", "社区活动", "文化活动"),
    ("车牌", "车牌号", "牌照"),
    ("登记", "备案", "录入", "绑定", "报备"),
    ("月租", "包月", "月卡"),
    ("临时停车", "临停", "短时停车"),
    ("晚上", "夜间", "夜里", "半夜"),
    ("儿童", "孩子", "小孩", "小朋友", "小孩子", "孩童", "宝宝", "小宝宝"),
    ("多久", "多长时间", "多少天", "多少时间", "多长时候"),
    ("上门", "到家里", "来家里", "到家"),
    ("坏", "坏了", "故障", "损坏", "不好使", "不能用", "用不了", "不亮", "失灵", "不灵", "出问题"),
    ("维修", "修理", "修一下", "修好", "修缮"),
    ("找谁", "联系谁", "跟谁说", "问谁", "找哪个", "打给谁"),
    ("哪里", "哪儿", "在哪", "在哪里", "在哪儿", "什么地方", "哪个地方", "何处", "去哪", "去哪里"),
    ("滞纳金", "违约金", "罚款", "罚钱", "罚金"),
    ("丢失", "丢了", "遗失", "弄丢", "掉了"),
    ("补办", "重新办", "再办一张", "补一张", "补卡"),
    ("楼道", "走廊", "过道", "楼梯间"),
    ("车库", "地库", "地下车库", "地下停车场", "地下室停车场"),
    ("大门", "小区门口", "出入口", "正门"),
    ("保安", "门卫", "安保", "保安员", "保安大哥"),
    ("电动汽车", "新能源车", "新能源汽车", "电车"),
    ("外卖", "送餐", "外卖员", "骑手"),
    ("消杀", "灭蚊", "灭鼠", "灭蟑", "杀虫", "打药", "除虫"),
    ("邮箱", "电子邮件", "email"),
    ("什么", "啥", "啥子", "什么样", "甚么"),
    ("哪里", "几号楼", "哪栋楼", "哪栋", "哪一栋"),
    ("平方米", "平米", "平方", "m2", "个平方"),
    ("建筑垃圾", "建渣", "建筑渣土"),
    ("监控", "摄像头", "探头", "监控摄像头", "监控探头"),
    ("意见", "建议", "意见建议", "提意见"),
    ("周末", "星期六", "星期天", "周六", "周日", "礼拜天", "双休日"),
    ("节假日", "假期", "过节", "法定节假日"),
    ("采暖费", "取暖费", "暖气费", "供暖费", "供热费", "热费"),
    ("供暖", "采暖", "取暖", "供热", "集中供暖"),
    ("暖气片", "散热器"),
    ("壁挂炉", "采暖炉", "燃气壁挂炉"),
)

# Situations residents describe → words a handbook uses for that topic. Added to a question
# (never to the handbook) with a lower weight, so "楼下有人打架" can reach the security entry.
CONCEPTS: dict[str, str] = {
    # labels.md emergency kinds, as residents describe them
    "打架": "治安 可疑 保安 报警", "斗殴": "治安 保安 报警", "小偷": "盗窃 可疑 治安", "被偷": "盗窃 治安",
    "偷东西": "盗窃 治安", "撬": "盗窃 可疑 治安", "陌生人": "可疑 治安", "可疑": "治安 盗窃",
    "晕倒": "急救 疾病 120", "昏倒": "急救 疾病 120", "摔倒": "受伤 急救", "摔": "受伤 急救",
    "流血": "受伤 急救 120", "不省人事": "急救 120", "心脏": "急救 疾病 120", "昏迷": "急救 120",
    # Not 烧 alone: 烧水, 发烧, 烧窑 and 烧纸 are no fire (着火 and 冒烟 are; 烧起来 is an emergency word below).
    "冒烟": "火 火灾 消防", "烟": "火 消防", "着火": "火灾 消防 119",
    "爆了": "进水 漏水 水浸", "爆管": "进水 漏水", "淹": "水浸 进水",
    "进水": "漏水 水浸", "积水": "水浸 排水",
    "关在": "困人 被困", "卡在": "困人 被困", "出不来": "困人 被困", "打不开": "困人",
    "燃气味": "燃气 泄漏", "煤气味": "燃气 泄漏", "臭鸡蛋": "燃气 泄漏",
    "整栋": "停电 停水 突然", "全楼": "停电 停水 突然", "跳闸": "停电 电",
    "扔": "抛物 高空 垃圾", "抛": "抛物 高空", "掉下来": "抛物 高空", "砸": "抛物 高空",
    # everyday situations → service topics
    "捡到": "失物招领 丢失", "拾到": "失物招领", "丢东西": "失物招领 丢失",
    "卖房": "过户 业主变更", "过户": "业主变更", "新房主": "过户 业主变更", 
    "房东": "出租 租户", "租客": "出租 租户", "租出去": "出租 租户",
    "出国": "外出 长期", "出远门": "外出 长期", "回老家": "外出 长期", "没人住": "空置 外出",
    "空着": "空置", "保姆": "家政", "阿姨": "家政 保洁", "开荒": "保洁 家政",
    "床垫": "大件垃圾 家具", "沙发": "大件垃圾 家具", "冰箱": "大件垃圾 家电", "洗衣机": "家电 大件垃圾",
    "旧家具": "大件垃圾", "瓷砖": "建筑垃圾 装修", "水泥": "建筑垃圾 装修", "砖头": "建筑垃圾",
    "封阳台": "装修 禁止 外立面", "打墙": "装修 承重墙 禁止", "拆墙": "装修 承重墙 禁止",
    "砸墙": "装修 承重墙", "外机": "空调 装修 外立面", "电钻": "装修 施工 噪音", "工人": "装修 施工",
    "朋友": "访客", "亲戚": "访客", "爸妈": "访客", "父母": "访客", "来玩": "访客",
    "游泳": "泳池", "看书": "书吧 图书", "借书": "书吧 图书", "地铁": "班车",
    "水龙头": "维修 报修", "马桶": "维修 下水道 堵", "地漏": "下水道 堵", "下水道": "堵",
    "返水": "堵 下水道", "灯": "维修 照明", "插座": "维修 电",
    "门锁": "维修", "热水器": "维修", "渗水": "漏水 维修", "裂缝": "维修 保修", "裂了": "维修 保修",
    "蚊子": "消杀", "蟑螂": "消杀", "老鼠": "消杀",
    "狗": "宠物 犬", "猫": "宠物", "遛狗": "宠物 犬 牵绳",
    "吵": "噪音", "装修声": "噪音 装修",
    "快递": "驿站", "取件": "快递 驿站", "寄件": "快递 驿站",
    "报销": "发票", "开票": "发票", "专票": "发票 专用",
    "车牌": "登记 车辆", "换车": "车牌 登记", "新车": "车牌 登记",
    "访客车": "访客 停车", 
    "交钱": "缴费", "欠费": "逾期 滞纳金", "拖欠": "逾期 欠费", "晚交": "逾期 欠费",
    "装完": "完工 验收", "竣工": "验收 完工",
}

# Situation classes, many-to-many: any of the situation words (left) a resident types adds the
# topic words (right) a handbook of any community is likely to use for it. Broad property-management
# domain knowledge, grouped by service area; merged into CONCEPTS below.
SITUATIONS: tuple[tuple[str, str], ...] = (
    # the service centre: where, when, who
    ("中午 午休 上班 有人值班 办事", "办公时间 服务中心 值班"),
    ("过年 春节 国庆 五一 端午 中秋 元旦 放假 节日 假期 长假", "节假日 假期"),
    ("急事 紧急情况 打哪个 什么号码 找不到人 联系不上", "24小时 值班 电话 热线"),
    ("管家 专属 对接 负责这栋 楼长", "管家 楼栋 服务"),
    ("没人理 没人管 不处理 拖着 推脱 态度差 态度不好 不满意 领导 上级", "投诉 监督 处理 不满意"),
    ("服务态度 保安态度 骂人", "投诉 工作人员"),
    ("隐私 泄露 个人信息 匿名", "投诉 个人信息 保密"),
    ("建议 提意见 意见箱 反馈", "意见 建议"),
    ("通知 公告 公示栏 宣传栏 告示", "通知 公告"),
    ("微信群 公众号 小程序 app", "微信 app 线上"),
    ("刚买 新房 收房 交房 接房 收楼 拿钥匙 刚搬来 新业主 入伙", "入住 手续 新业主 交房"),
    # fees and bills
    ("一平 每平 单价 一个平方 一平米 多少钱一平", "物业费 收费标准 平方米"),
    ("交多少 要交多少 一年多少 一个月多少 费用多少 贵不贵", "收费 标准 多少"),
    ("空着 没住 没人住 空房 空置 还没入住 没装修", "空置 物业费 减免"),
    ("拖欠 欠费 欠着 晚交 没交 忘了交 迟交 不交 过期", "逾期 欠费 滞纳金 催缴"),
    ("账目 公开 花在哪 钱怎么用 钱都用 收支 收益 广告费 赚的钱", "公示 收支 公共收益 公开"),
    ("报销 开票 票据 抬头 税号 专票", "发票"),
    ("优惠 打折 折扣 预交 一次交 交一年", "优惠 预交 缴费"),
    ("自动扣 代扣 银行卡 支付宝 微信支付 扫码 网上交 手机上交 线上交", "缴费 线上 支付"),
    ("水费 电费 燃气费 气费 抄表 充值 余额", "水费 电费 燃气费 缴费"),
    ("公摊 分摊 公共能耗 楼道灯电费", "公摊 公共区域 水电费"),
    ("没电了 家里没电 电闸 电卡 电表没钱 买电 充电费卡", "停电 电费 跳闸"),
    ("没水了 家里没水 水停了 水表没钱 买水", "停水 水费"),
    # one flat without power or water while the neighbours have it: a repair (labels.md), not an outage
    ("只有我家 就我家 只是我家 对门有电 隔壁有电 邻居家有电 别人家都有电 别人家有水 隔壁有水", "报修 维修 跳闸 家里"),
    ("燃气卡 买气 充气 燃气充值 燃气没了", "燃气费 缴费 充值"),
    ("水费单 电费单 催费单 缴费通知", "缴费 水费 电费 账单"),
    ("暖气 不热 供暖 采暖 地暖 暖气片 暖气费", "供暖 暖气 采暖费"),
    ("冰凉 冰冷 不暖和 温度低 温度不够 太冷 冻得", "暖气 不热 供暖 温度"),
    ("来暖气 开始供暖 什么时候供暖 停暖 开栓 通暖", "供暖 时间 开始"),
    # repairs
    ("热水器 水龙头 马桶 插座 开关 门锁 窗户 水管 灯泡 灯坏 墙皮 掉漆 发霉 坏掉 不好用 不出水 漏电",
     "报修 维修 上门"),
    ("冲不下 堵了 不通 返味 臭味 下水慢 反水 返水 漫出来", "堵塞 下水道 疏通 维修"),
    ("还没来 没人来 没来修 等了 等半天 多久来 多久能来 什么时候来 催一下", "报修 响应 时限 多久 上门"),
    ("上门费 材料费 人工费 收不收钱 要不要钱 收钱 要钱 付费 免费吗 另外收", "收费 有偿 费用"),
    ("保修期 保几年 质保 开发商 空鼓 开裂 裂缝 渗漏 质量问题", "保修 保修期 开发商 质量"),
    ("长椅 路灯 栏杆 健身器材 滑梯 秋千 座椅 井盖 围墙 公共设施 公共的", "公共区域 公共设施 维修"),
    ("楼道灯 声控灯 感应灯", "楼道灯 照明 维修"),
    ("电梯停运 电梯不动 电梯异响 电梯抖 电梯晃 电梯门关不上", "电梯 故障 报修"),
    ("钥匙丢了 钥匙锁里面 锁在门外 进不了家 开锁 换锁", "钥匙 开锁 门锁"),
    ("开通燃气 燃气开通 通气 点不着火 打不着火", "燃气 开通"),
    ("水压小 水压低 水很小 水流小 热水不热", "水压 供水"),
    ("对讲 可视对讲 门铃 单元门 门禁坏", "门禁 对讲 维修"),
    ("进度 修到哪 处理到哪 有没有派单", "进度 报修 查询"),
    ("回访 修得不好 没修好 又坏了 返修", "回访 返修 维修"),
    ("水质 水黄 水发黄 水浑 有水垢 水箱 二次供水", "水质 水箱 清洗"),
    # renovation
    ("准备装修 要装修 打算装修 开始装修 装修前 动工前 开工前", "装修 手续 申请 办理"),
    ("几点开工 开工 动工 施工时间 几点能干", "装修 施工 时间"),
    ("电钻 切割 敲墙 冲击钻 电锤 噪音大", "噪音 装修 施工 时间"),
    ("瓷砖 水泥 沙子 拆下来 建渣 装修垃圾", "装修垃圾 建筑垃圾 清运"),
    ("封阳台 打墙 拆墙 砸墙 打掉 承重墙 改燃气 燃气管 改水电 防盗窗 外立面 空调外机 阳台",
     "装修 禁止 不得 规定 承重墙"),
    ("装好了 装完了 完工 竣工 装修结束 弄完了 验收", "完工 验收 装修"),
    ("押金 保证金 拿回 退回 退还", "押金 退还"),
    ("刷墙 刷漆 换地板 铺地板 小改 局部装修 换门", "装修 申请 局部"),
    ("装修工人 施工人员 出入证 工人证", "装修 工人 出入证"),
    ("延期 延长 工期 装多久 装修多久", "装修 工期 延期"),
    ("图纸 设计图 审核 审批 审图", "图纸 审核 装修"),
    ("搬材料 运材料 材料上楼 建材", "装修 材料 搬运 电梯"),
    # access, visitors, parcels
    ("再办一张 多一张卡 卡丢了 卡掉了 卡坏了 卡不灵 刷不开 刷卡没反应 补卡 办卡", "门禁卡 补办 办理"),
    ("刷脸 人脸 识别不了", "人脸识别 门禁"),
    ("进不去 进不来 不让进 开不了门 被拦", "门禁 访客 出入"),
    ("朋友 亲戚 爸妈 父母 来看我 来做客 来玩 客人来 家里来人", "访客 来访 登记"),
    ("快递柜 取件码 超时费 存几天 放几天", "快递柜 快递 超时"),
    ("大件快递 大包裹 代收 驿站 取快递 拿快递 寄快递 寄东西", "驿站 快递 代收"),
    ("外卖 送餐 骑手 送外卖", "外卖 送餐"),
    ("推销 小广告 发传单 敲门推销 上门推销", "推销 广告"),
    ("搬走 搬出去 搬进来 搬家公司 拉出去 家具出门 放行", "搬家 放行 登记"),
    # environment, neighbours, pets
    ("扔垃圾 倒垃圾 丢垃圾 垃圾桶 厨余 干垃圾 湿垃圾 可回收 有害垃圾", "垃圾 分类 投放"),
    ("几点扔 什么时候扔 几点收 清运", "垃圾 投放 时间 清运"),
    ("旧沙发 旧床 旧衣柜 床垫 旧家电", "大件垃圾 家具 家电"),
    ("蚊子 苍蝇 蟑螂 老鼠 白蚁 虫子 消毒 喷药 打药", "消杀 消毒"),
    ("修剪 剪树 砍树 枯树 树枝 浇水 除草 打草", "绿化 养护 修剪"),
    ("种菜 种花 占绿地 圈地", "绿地 公共区域"),
    ("鞋柜 杂物 堆东西 放东西 堆放 自行车放楼道 楼道里放", "楼道 堆放 公共区域 消防通道"),
    ("狗叫 遛狗 拴绳 狗屎 便便 粪便 大型犬 养狗 养猫 狂犬", "宠物 犬 牵绳 粪便"),
    ("安静时间 几点以后不能 午休时间 吵到", "噪音 时间 邻里"),
    ("半夜吵 跺脚 弹琴 音响 唱歌 广场舞", "邻居 噪音 邻里"),
    ("烟花 鞭炮 爆竹", "烟花爆竹 禁止"),
    # renting, selling, away
    ("租出去 租房 租客 房客 房东 中介 出租", "出租 租户 登记"),
    ("卖房 卖掉 买了二手 二手房 前房东 原房东 原业主 新房主 过户", "过户 业主变更 交接"),
    ("出国 出远门 出差 回老家 长期不在 几个月不在 探亲 旅游", "外出 长期 钥匙寄存 空置"),
    ("钥匙放 留钥匙 备用钥匙 寄存", "钥匙 寄存"),
    ("梯子 推车 工具 借用 借个", "借用 工具 推车 梯子"),
    ("保姆 阿姨 钟点工 开荒 擦玻璃 家政", "家政 保洁 有偿"),
    # parking and vehicles
    ("停一天 停几个小时 停一晚 停一会 临时停 按小时", "临时停车 停车 收费"),
    ("包月 月租 月卡 年卡 长租 租车位 买车位", "月租 车位 停车 收费"),
    ("新车 换车 换了车 借的车 车牌 识别不了 不抬杆 抬杆 道闸 进不去车库",
     "车牌 登记 识别 车辆"),
    ("开车来 开车过来 车停哪 访客车 来访车辆", "访客 停车"),
    ("充满 充电费 占着 占位 挪车 电费多少", "充电桩 充电 收费"),
    ("电瓶车 电动车 小电驴 推上楼 推进电梯 楼道充电 飞线", "电动自行车 电动车 充电 楼道"),
    ("占了我的车位 车位被占 别人的车", "车位 占用 挪车"),
    ("限高 货车", "车库 限高 通行"),
    ("接送 送孩子", "接送 临时停车"),
    ("班车 地铁站 通勤 接驳", "班车 接驳"),
    # safety and emergencies
    ("浓烟 有烟 冒烟 烧焦 焦味 火苗 逃生 怎么逃", "火灾 火情 消防 逃生"),
    ("灭火器 消火栓 消防栓 烟感 喷淋", "消防 设施 灭火器"),
    ("警报 报警器 警铃", "火警 警报 消防"),
    ("梯停 电梯停 不动了 门打不开 困住 关里面", "电梯 困人 被困"),
    ("天花板 往下流 渗下来 滴下来 楼上漏 水漫 泡了", "漏水 进水 水浸"),
    ("晕倒 昏倒 流血 受伤 骨折 抽搐 心脏 喘不上气 急救 aed 除颤", "急救 受伤 疾病 aed 120"),
    ("掉下来 扔东西 往下扔 高空", "高空抛物"),
    ("台风 暴雨 大风 下大雨 防汛", "台风 暴雨 防汛"),
    ("小偷 被偷 撬门 陌生人 可疑 尾随 闯入", "盗窃 可疑 治安 保安"),
    ("打起来 动手 吵架 打人 闹事 耍酒疯", "打架 治安 保安"),
    ("烧起来 着起来 油锅 起火 火苗 电线冒火", "火灾 火情 消防"),
    ("水管爆 爆裂 喷水 水喷 到处是水 家里淹", "漏水 进水 水管爆裂"),
    ("摄像头 监控 录像 调监控 看监控", "监控 录像 查看"),
    ("巡逻 保安巡查 晚上有人巡", "巡逻 保安"),
    ("煤气味 燃气味 臭鸡蛋味 漏气", "燃气 泄漏"),
    ("整栋 整个楼 全楼 整个小区 都没电 都没水 突然没电 突然没水", "停电 停水 突然"),
    ("提前通知 计划停水 计划停电 检修停", "计划 停水 停电 通知"),
    # more everyday complaints and mishaps
    ("咣当 哐当 异响 晃得 抖得 吓人", "电梯 故障 报修"),
    ("拍球 跳绳 脚步声 拖椅子 拖桌子 剁肉 敲打 烦死 睡不着", "噪音 邻里 投诉"),
    ("油烟 烟味 熏到 呛人", "邻里 投诉 油烟"),
    ("拿错 冒领 丢件 快递丢了 快递被偷 少了件", "快递 丢失 驿站"),
    ("旧衣服 旧衣物 衣物回收 旧书 纸箱 纸壳", "回收 垃圾 分类"),
    ("挡光 挡窗户 树枝伸 树长到 树太高", "树木 修剪 绿化"),
    ("抽烟 吸烟 烟头 乱扔烟头", "吸烟 禁止 公共区域"),
    ("关不上 合不上 锁不上 门坏", "维修 门禁 坏"),
    ("起不来 动不了 站不起来", "急救 受伤 老人"),
    ("怎么结 结清 结算 算清", "结清 缴费 过户"),
    ("少交 少收 减半 减一点", "减免 优惠 物业费"),
    ("打不通 没人接 占线 不接电话", "电话 热线 值班 投诉"),
    # community life
    ("活动 报名 亲子 兴趣班 节日活动", "社区活动 报名"),
    ("业委会 业主大会 投票 表决 选举", "业主大会 业主委员会 投票"),
    ("满意度 打分 评价 问卷", "满意度调查"),
    ("聚会 派对 包场 订场地 订场 预约场地 会议室 活动室", "预约 场地"),
    ("游泳 下水 泳衣 泳帽 救生员 深水区 浅水区 泳池", "泳池 游泳 规定"),
    ("看书 借书 图书 自习 阅览", "书吧 阅读 图书"),
    ("小孩玩 儿童乐园 游乐场 玩滑梯", "儿童 游乐 活动室"),
    # fourth round: service areas an older, northern, low-rise estate has (pests, septic tanks, shops,
    # the elderly, damp storage, snow), and everyday words for them
    ("灭蚊 打蚊子 蚊虫 苍蝇 蟑螂 老鼠 耗子 鼠药 毒饵 诱饵盒 鼠饵 喷杀虫", "消杀 灭鼠 除四害 灭蚊"),
    ("吸粪车 抽粪 掏粪 粪池 化粪池 冒粪水 反臭 臭味上来", "化粪池 清掏"),
    ("买菜 买米 买油 买东西 小卖部 便利店 日用品 买点 送上楼 送货上门 送货", "超市 便民 购物"),
    ("下棋 打牌 棋牌 打麻将 麻将 老年人 老人家 退休 老伙伴 唱戏", "老年 活动室"),
    ("长毛 霉点 返潮 回潮 潮乎乎 湿乎乎 水珠 结露 挂水 霉味", "返潮 潮湿 防潮 发霉"),
    ("剪草 割草 修草 草长 草太高 长得老高 多久剪 来剪", "绿化 修剪 草坪"),
    ("没人关 没人困 没人被困 没有人被困 里面没人 没人在里面 没人卡", "故障 报修 没有人被困"),
    ("生锈 锈斑 锈迹 小斑点 斑点", "腐蚀 生锈"),
    ("蛤蜊 海蛎子 贝壳 螃蟹壳 虾壳 鱼骨头", "海鲜 厨余 垃圾"),
    ("来暖 来气 烧暖气 给暖 停暖 来热", "供暖 时间"),
    ("唱k 唱卡拉ok 卡拉ok ktv 放音乐 蹦迪 打麻将声 装修声", "噪音 扰民"),
    ("下不去 流不下去 不下水 回水 反水 返水 冒水", "堵塞 下水道 疏通"),
    ("通马桶 通下水 疏通费 通一下", "疏通 维修 收费"),
    ("刷墙 刷漆 贴砖 铺砖 吊顶 换窗 打通 拆掉 改格局 改水电", "装修 手续 申报"),
    ("积水 水坑 淹水 排水不畅 下大雨 暴雨 雨季 汛期", "防汛 排水 积水"),
    ("借伞 雨伞 轮椅 打气筒 借个 寄存 代收", "门卫 借用 寄存"),
    ("金毛 泰迪 柯基 哈士奇 猫咪 小狗 狗狗 养只", "宠物 犬 登记"),
    ("年检 检验合格 维保 保养 检修记录", "维保 年检 检验"),
    ("僵尸车 没人骑 没人动 落满灰 废弃自行车 长期不用", "清理 车棚 废弃"),
    ("搭棚 搭了个棚 违建 私搭 圈起来 占地方", "违章 搭建 绿化 占用"),
    ("扫雪 铲雪 下雪 路滑 结冰 冰溜子 冰锥", "扫雪 除冰 冬季"),
    ("供电局 电力公司 国家电网 自来水公司 水务公司 热力公司 供热公司 燃气公司 煤气公司", "电话 联系 公司"),
    ("黄水 水发浑 浑浊 铁锈 锈水 有沉淀 有股味", "水质 水箱 二次供水"),
    ("包年 包月", "年卡 月卡 收费"),
    ("包一下 裹一下 保温棉 防冻 冻裂 冻住 零下", "防冻 保温 水管 冻"),
    ("楼梯拐角 楼梯间 过道 堆满 堆着", "楼道 堆放 杂物"),
    ("拎回家 拎上楼 电池充 带回家充 搬回家充", "充电 电动车 入户 禁止"),
    ("种葱 种蒜 种地 翻地 菜园 小菜地", "种菜 绿地 占用"),
    ("打压 注水 上水 放水试", "试压 注水 供暖"),
    ("多配 配一张 再办一张 加一张 刷门 门卡", "门禁卡 办理"),
    ("上门收 上门交 腿脚不好 行动不便 去不了", "上门 缴费 服务"),
)


def _merge(base: dict[str, str], classes: tuple[tuple[str, str], ...]) -> dict[str, str]:
    merged = dict(base)
    for situation_words, topic in classes:
        for word in situation_words.split():
            merged[word] = f"{merged[word]} {topic}" if word in merged else topic
    return merged


CONCEPTS = _merge(CONCEPTS, SITUATIONS)

# English words and phrases residents use → Chinese words a Chinese handbook uses.
# Longer phrases are applied first (see knowledge.text).
ENGLISH: dict[str, str] = {
    "property management fee": "物业费", "management fee": "物业费", "property fee": "物业费",
    "service charge": "物业费", "service fee": "物业费", "hoa fee": "物业费", "maintenance fee": "物业费",
    "property management": "物业", "management office": "物业", "property office": "物业",
    "service center": "物业", "service centre": "物业", "front desk": "物业", "management": "物业",
    "parking space": "车位", "parking spot": "车位", "parking lot": "停车场", "car park": "停车场",
    "parking fee": "停车费", "parking permit": "停车证", "license plate": "车牌", "licence plate": "车牌",
    "number plate": "车牌", "plate number": "车牌", "plate": "车牌", "register": "登记", "registration": "登记",
    "parking": "停车", "park": "停车", "car": "车", "cars": "车", "vehicle": "车辆", "garage": "车库",
    "underground": "地下", "basement": "地下室", "charging pile": "充电桩", "charger": "充电桩",
    "charging": "充电", "charge my": "充电", "ev": "电动汽车", "e-bike": "电动车", "ebike": "电动车",
    "scooter": "电动车", "bike": "自行车", "bicycle": "自行车",
    "deposit": "押金", "refund": "退还", "refunded": "退还", "back": "退还",
    "big": "大件", "large": "大件", "return": "退还", "get back": "退还",
    "fee": "费", "fees": "费", "charge": "收费", "charges": "收费", "cost": "收费", "costs": "收费",
    "price": "收费", "how much": "多少", "pay": "缴费", "paying": "缴费", "payment": "缴费", "paid": "缴费",
    "bill": "费", "bills": "费", "invoice": "发票", "receipt": "发票", "late": "逾期", "overdue": "逾期",
    "water bill": "水费", "electricity bill": "电费", "power bill": "电费", "gas bill": "燃气费",
    "water": "水", "electricity": "电", "power": "电", "gas": "燃气", "heating": "供暖",
    "power cut": "停电", "power outage": "停电", "blackout": "停电", "outage": "停电",
    "water cut": "停水", "no water": "停水", "water outage": "停水", "shut off": "停",
    "lift": "电梯", "lifts": "电梯", "elevator": "电梯", "elevators": "电梯", "stuck": "困人",
    "trapped": "困人", "repair": "报修", "repairs": "报修", "fix": "维修", "fixed": "维修", "broken": "坏",
    "maintenance": "维修", "leak": "漏水", "leaking": "漏水", "leaks": "漏水", "flood": "水浸", "flooding": "水浸",
    "blocked": "堵塞", "clogged": "堵塞", "toilet": "马桶", "drain": "下水道", "pipe": "水管", "pipes": "水管",
    "renovation": "装修", "renovate": "装修", "renovating": "装修", "decoration": "装修", "remodel": "装修",
    "remodeling": "装修", "construction": "施工", "workers": "工人", "worker": "工人", "noise": "噪音",
    "noisy": "噪音", "loud": "噪音", "drilling": "电钻", "debris": "建筑垃圾", "rubble": "建筑垃圾",
    "drawing": "图纸", "drawings": "图纸", "floor plan": "图纸", "approval": "审批", "approve": "审批",
    "apply": "申请", "application": "申请", "permit": "许可", "agreement": "协议", "contract": "协议",
    "inspection": "检查", "inspect": "检查", "acceptance": "验收", "final check": "验收", "hours": "时间",
    "hour": "时间", "time": "时间", "times": "时间", "when": "时间", "open": "开放", "opening": "开放",
    "close": "关门", "closing": "关门", "office": "办公", "working": "工作", "weekend": "周末", "weekends": "周末",
    "holiday": "节假日", "holidays": "节假日", "night": "晚上", "morning": "早上", "today": "今天",
    "tomorrow": "明天", "phone": "电话", "number": "电话", "contact": "联系", "call": "电话", "hotline": "热线",
    "emergency": "紧急", "emergencies": "紧急", "urgent": "紧急", "24 hour": "24小时", "24-hour": "24小时",
    "complaint": "投诉", "complain": "投诉", "complaints": "投诉", "feedback": "意见", "suggestion": "建议",
    "manager": "经理", "staff": "工作人员", "security": "保安", "guard": "保安", "guards": "保安",
    "gate": "门岗", "entrance": "出入口", "visitor": "访客", "visitors": "访客", "guest": "访客", "guests": "访客",
    "delivery": "快递", "deliveries": "快递", "courier": "快递", "parcel": "快递", "parcels": "快递",
    "package": "快递", "packages": "快递", "takeaway": "外卖", "food delivery": "外卖",
    "access card": "门禁卡", "key card": "门禁卡", "keycard": "门禁卡", "card": "卡", "fob": "门禁卡",
    "key": "钥匙", "keys": "钥匙", "lost": "丢失", "lose": "丢失", "replace": "补办", "replacement": "补办",
    "garbage": "垃圾", "trash": "垃圾", "rubbish": "垃圾", "waste": "垃圾", "recycling": "回收", "recycle": "回收",
    "sorting": "分类", "sort": "分类", "bulky": "大件", "furniture": "家具", "kitchen waste": "厨余垃圾",
    "cleaning": "保洁", "clean": "保洁", "cleaner": "保洁", "dirty": "脏", "stairwell": "楼道",
    "corridor": "楼道", "hallway": "楼道", "lobby": "大堂", "garden": "绿化", "gardening": "绿化",
    "trees": "树木", "tree": "树木", "grass": "草坪", "lawn": "草坪", "plants": "绿化",
    "fire": "火灾", "smoke": "冒烟", "cigarette smoke": "烟味 抽烟", "smells like smoke": "烟味", "fire extinguisher": "灭火器", "extinguisher": "灭火器",
    "fire escape": "消防通道", "fire lane": "消防通道", "fire exit": "安全出口", "fire drill": "消防演练",
    "drill": "演练", "alarm": "报警", "smell": "气味", "smells": "气味",
    "pet": "宠物", "pets": "宠物", "dog": "宠物", "dogs": "宠物", "cat": "宠物", "cats": "宠物", "leash": "牵绳",
    "event": "活动", "events": "活动", "activity": "活动", "activities": "活动", "party": "活动",
    "housekeeping": "家政", "housekeeper": "家政", "cleaning lady": "家政", "nanny": "家政",
    "rent": "出租", "renting": "出租", "rental": "出租", "lease": "出租", "tenant": "租户", "tenants": "租户",
    "sell": "出售", "selling": "出售", "sale": "出售", "agent": "中介", "move in": "入住 搬家", "moving in": "入住 搬家",
    "move out": "搬出", "moving out": "搬出", "move": "搬家", "moving": "搬家", "movers": "搬家",
    "survey": "满意度调查", "satisfaction": "满意度", "owners meeting": "业主大会", "owners' meeting": "业主大会",
    "committee": "业主委员会", "meeting": "会议", "owner": "业主", "owners": "业主", "resident": "业主",
    "residents": "业主", "neighbour": "邻居", "neighbor": "邻居", "neighbours": "邻居", "neighbors": "邻居",
    "window": "窗户", "windows": "窗户", "balcony": "阳台", "air conditioner": "空调", "aircon": "空调",
    "air conditioning": "空调", "ac": "空调", "door": "门", "doors": "门", "light": "灯", "lights": "灯",
    "lamp": "灯", "camera": "监控", "cctv": "监控", "surveillance": "监控", "patrol": "巡逻",
    "notice": "通知", "notices": "通知", "announcement": "公告", "wechat": "微信", "app": "app",
    "online": "线上", "alipay": "支付宝", "cash": "现金", "bank": "银行", "transfer": "转账",
    "quarterly": "季度", "quarter": "季度", "monthly": "每月", "month": "月", "year": "年", "yearly": "每年",
    "annual": "每年", "square meter": "平方米", "square metre": "平方米", "sqm": "平方米",
    "rules": "规定", "rule": "规定", "allowed": "允许", "allow": "允许", "can i": "可以", "forbidden": "禁止",
    "penalty": "罚款", "hot water": "热水", "heater": "热水器", "internet": "宽带",
    "broadband": "宽带", "wifi": "宽带", "tv": "电视", "mail": "信件", "mailbox": "信报箱",
    "playground": "游乐设施", "kids": "儿童", "children": "儿童", "child": "儿童", "elderly": "老人",
    "gym": "健身", "fitness": "健身", "swimming pool": "游泳池", "pool": "游泳池", "swimming": "游泳",
    "ambulance": "120", "police": "110", "fire brigade": "119", "injured": "受伤", "hurt": "受伤",
    "thief": "小偷", "theft": "盗窃", "stolen": "被盗", "burglar": "小偷", "fight": "打架",
    "storm": "暴雨", "typhoon": "台风", "rain": "下雨", "snow": "下雪",
    "pest": "消杀", "pests": "消杀", "mosquito": "蚊子", "mosquitoes": "蚊子", "cockroach": "蟑螂",
    "cockroaches": "蟑螂", "rats": "老鼠", "mice": "老鼠", "disinfection": "消毒",
    "signature": "签字", "sign": "签字", "id": "身份证", "documents": "材料", "document": "材料",
    "materials": "材料", "procedure": "手续", "procedures": "手续", "process": "流程",
    "kid": "儿童", "kids'": "儿童", "baby": "儿童", "adult": "成人", "adults": "成人", "without": "无",
    "swim": "游泳", "swimming lessons": "游泳 培训", "lifeguard": "救生员", 
    "book": "预约", "booking": "预约", "reserve": "预约", "reservation": "预约", "room": "房间",
    "clubhouse": "会所", "club": "会所", "library": "书吧 图书", "books": "书", "reading": "阅读",
    "report": "报修", "flat": "家", "apartment": "家", "home": "家", "house": "房屋", "my place": "家",
    "break": "坏", "breaks": "坏", "break into": "盗窃", "breaking": "盗窃", "robbery": "盗窃",
    "pouring": "进水", "burst": "爆管", "flooded": "水浸", "fainted": "晕倒", "collapsed": "晕倒",
    "bleeding": "流血", "sick": "疾病", "heart attack": "急救", "first aid": "急救", "aed": "aed",
    "throw": "抛物", "throwing": "抛物", "thrown": "抛物", "falling": "高空 抛物",
    "recognized": "识别", "recognised": "识别", "recognize": "识别", "face": "人脸", "face recognition": "人脸识别",
    "friend": "访客", "friends": "访客", "family": "家人",
    "paperwork": "手续 材料", "arrange": "办理", "before": "前", "after": "后", "finish": "完工",
    "finished": "完工", "done": "完工", "saturday": "周末", "sunday": "周末", "weekday": "工作日",
    "workday": "工作日", "early": "早上", "pm": "下午", "noon": "中午",
    "square": "平方米", "per": "每", "meter": "米", "metre": "米", "vacant": "空置", "empty": "空置",
    "discount": "优惠", "late fee": "滞纳金", "lost and found": "失物招领", "found": "捡到",
    "wallet": "钱包", "away": "外出", "abroad": "出国", "travel": "外出", "trip": "外出",
    "locker": "快递柜", "lockers": "快递柜", "pick up": "取件", "collect": "取件",
    "parcel station": "驿站", "pickup station": "驿站",
    "shuttle": "班车", "bus": "班车", "metro": "地铁", "subway": "地铁", "kindergarten": "幼儿园",
    "school": "学校", "drop off": "接送", "pick-up": "接送", "ev charger": "充电桩",
    "electric car": "电动汽车", "electric vehicle": "电动汽车", "install": "安装", "installation": "安装",
    "mattress": "床垫", "sofa": "沙发", "fridge": "冰箱", "old": "旧", "throw away": "扔",
    "tiles": "瓷砖", "wall": "墙", "walls": "墙", "knock down": "拆墙", "enclose": "封闭",
    "sold": "过户", "buy": "购买", "bought": "购买", "transfer ownership": "过户", "landlord": "房东",
    "typhoon season": "台风", "wind": "大风", "warranty": "保修", "developer": "开发商", "crack": "裂缝",
    "cracked": "裂缝", "waterproofing": "防水", "drain blocked": "堵", "toilet blocked": "马桶 堵",
    "week": "周", "this week": "本周", "next week": "下周", "planned": "计划", "schedule": "计划",
    "scheduled": "计划", "next door": "隔壁", "membership": "会员卡", "member": "会员", "day": "天",
    "days": "天", "daily": "每天", "long": "多久", "stay": "停留", "store": "存放", "storage": "存放",
    "keep my": "存放", "leave my": "存放", "items": "物品", "belongings": "物品",
    "building": "楼", "buildings": "楼", "block": "楼", "floor": "楼层", "unit": "单元",
    "lost power": "停电", "no power": "停电", "no electricity": "停电", "whole tower": "整栋楼",
    "someone is inside my": "闯入 可疑", "someone inside my": "闯入 可疑", "whole building": "整栋楼", "whole": "整", "entire": "整",
    "second-hand": "二手房", "second hand": "二手房", "upstairs": "楼上", "downstairs": "楼下",
    "midnight": "晚上", "late night": "晚上", "show up": "上门", "come over": "上门", "bin": "垃圾桶",
    "bins": "垃圾桶", "food waste": "厨余垃圾", "summer": "暑假", "winter": "寒假", "remove": "拆",
    "remove a wall": "拆墙", "kitchen": "厨房", "living room": "客厅", "bedroom": "卧室", "bathroom": "卫生间",
    "homeowners committee": "业主委员会", "homeowners": "业主", "homeowner": "业主", "footage": "录像",
    "recording": "录像", "insurance": "保险", "compound": "小区", "community": "小区", "estate": "小区",
    "neighbourhood": "小区", "neighborhood": "小区", "group chat": "微信群", "chat group": "微信群",
    "dripping": "漏水", "ceiling": "天花板", "above": "楼上", "below": "楼下", "not happy": "不满意",
    "unhappy": "不满意", "dissatisfied": "不满意", "handled": "处理", "handle": "处理", "planning": "计划",
    "water quality": "水质", "drink": "饮用", "drinking": "饮用", "yellow": "发黄", "ladder": "梯子",
    "borrow": "借", "tools": "工具", "tool": "工具", "trolley": "推车", "cart": "推车", "music": "噪音",
    "stomping": "噪音", "stomps": "噪音", "barking": "宠物 噪音", "smoking": "吸烟", "height limit": "限高",
    "tall": "限高", "van": "车", "truck": "车", "progress": "进度", "status": "进度", "track": "进度",
    "nobody": "没人", "no one": "没人", "hasn't": "", "haven't": "", "yet to": "",
    "moved in": "入住 搬家", "handover": "交房",
    "where": "哪里", "who": "谁", "how long": "多久", "what time": "几点",
}

# More of the words residents use in English, by service area (merged into ENGLISH below).
_MORE_ENGLISH: dict[str, str] = {
    # people and the office
    "intercom": "对讲", "doorbell": "门铃", "buzzer": "对讲", "concierge": "物业", "butler": "管家",
    "caretaker": "管家", "property manager": "物业经理", "building manager": "管家", "reach": "联系",
    "anonymous": "匿名", "privacy": "隐私", "confidential": "保密", "notice board": "公告栏",
    "bulletin board": "公告栏", "24h": "24小时", "24/7": "24小时", "round the clock": "24小时",
    "after hours": "晚上", "overnight": "晚上", "join": "加入", "group": "群", "password": "密码",
    "reset": "重置", "code": "密码", "pickup code": "取件码", "high-rise": "高层", "villa": "别墅",
    "townhouse": "洋房",
    # fees and bills
    "arrears": "欠费", "owe": "欠费", "owed": "欠费", "unpaid": "欠费", "outstanding": "欠费", "due": "到期",
    "deadline": "截止", "installment": "分期", "instalment": "分期", "prepay": "预交", "prepaid": "预交",
    "in advance": "提前", "top up": "充值", "top-up": "充值", "balance": "余额", "reading": "抄表",
    "heating fee": "供暖费", "radiator": "暖气", "radiators": "暖气", "heat": "供暖", "warm": "暖气",
    "free": "免费", "free of charge": "免费", "extra": "额外", "hourly": "每小时", "per hour": "每小时",
    "shared": "公摊", "public area": "公共区域", "common area": "公共区域", "common areas": "公共区域",
    "income": "收益", "revenue": "收益", "accounts": "收支", "spent": "支出", "spending": "支出",
    "expenses": "支出", "vacancy": "空置", "unoccupied": "空置", "reduction": "减免", "waive": "减免",
    # repairs
    "contractor": "装修 施工", "contractors": "装修 施工", "builder": "装修 施工", "builders": "装修 施工",
    "plumber": "水管 维修", "electrician": "电 维修", "handyman": "维修", "technician": "维修 师傅",
    "repairman": "维修 师傅", "tap": "水龙头", "faucet": "水龙头", "sink": "水槽", "shower": "淋浴",
    "bathtub": "浴缸", "water heater": "热水器", "boiler": "热水器", "floor heating": "地暖", "underfloor heating": "地暖", "socket": "插座", "outlet": "插座",
    "switch": "开关", "fuse": "跳闸", "tripped": "跳闸", "circuit breaker": "跳闸", "bulb": "灯",
    "lock": "门锁", "mold": "发霉", "mould": "发霉", "damp": "潮湿",
    "defect": "质量问题", "defects": "质量问题", "water pressure": "水压", "water supply": "供水",
    "power supply": "供电", "gas leak": "燃气 泄漏", "follow up": "回访", "follow-up": "回访",
    "load-bearing": "承重墙", "waterproof": "防水", "facilities": "设施", "facility": "设施",
    "bench": "长椅", "benches": "长椅", "street light": "路灯", "streetlight": "路灯", "slide": "滑梯",
    "swing": "秋千", "swings": "秋千", "equipment": "器材",
    # renovation
    "start": "开始", "begin": "开始", "work": "施工", "hammering": "噪音 施工", "tiling": "瓷砖",
    "paint": "刷墙", "painting": "刷墙", "flooring": "地板", "cabinet": "柜子", "cabinets": "柜子",
    "extension": "延期", "extend": "延期", "permitted": "允许", "prohibited": "禁止", "banned": "禁止",
    "ban": "禁止", "not allowed": "禁止",
    # access, parcels, moving
    "access control": "门禁", "gate card": "门禁卡", "face id": "人脸识别", "facial": "人脸识别",
    "package locker": "快递柜", "parcel locker": "快递柜", "moving company": "搬家",
    "freight elevator": "货梯", "service lift": "货梯", "salesman": "推销", "salespeople": "推销",
    "flyer": "小广告", "flyers": "小广告", "ads": "广告", "advertising": "广告",
    # parking
    "visitor parking": "访客 停车", "guest parking": "访客 停车", "monthly parking": "月租 停车",
    "spot": "车位", "spots": "车位", "space": "车位", "ev charging": "充电桩 充电", "charging station": "充电桩",
    "plug in": "充电", "e-scooter": "电动车", "motorbike": "摩托车", "motorcycle": "摩托车",
    "height": "限高", "tesla": "电动汽车", "electric": "电动", "barrier": "道闸", "boom gate": "道闸",
    "towed": "拖车", "blocking": "堵", "blocked in": "堵",
    # environment, pets, neighbours
    "quiet hours": "安静 时间 噪音", "quiet": "安静", "poop": "粪便", "dog poop": "粪便",
    "vaccine": "疫苗", "vaccination": "疫苗", "bark": "宠物 噪音", "compost": "厨余垃圾", "glass": "玻璃",
    "battery": "电池", "batteries": "有害垃圾", "hazardous": "有害垃圾", "termite": "白蚁",
    "termites": "白蚁", "bugs": "虫", "insects": "虫", "prune": "修剪", "pruning": "修剪", "trim": "修剪",
    "branches": "树枝", "branch": "树枝", "weeds": "杂草", "pesticide": "消杀", "spraying": "消杀",
    "sublet": "转租 出租", "airbnb": "短租 出租", "short-term rental": "短租 出租",
    "title deed": "房产证", "property certificate": "房产证", "ownership": "产权", "buyer": "买家 过户",
    "seller": "过户", "previous owner": "原业主 过户", "new owner": "新业主 过户",
    "vote": "投票", "voting": "投票", "election": "选举",
    # safety
    "smoke detector": "烟感", "smoke alarm": "烟感", "sprinkler": "喷淋", "sprinklers": "喷淋",
    "fire hydrant": "消火栓", "hydrant": "消火栓", "evacuate": "疏散 逃生", "evacuation": "疏散 逃生",
    "escape": "逃生", "firework": "烟花爆竹", "fireworks": "烟花爆竹", "firecrackers": "烟花爆竹",
    "unconscious": "昏迷 急救", "passed out": "晕倒", "fell": "摔倒", "fallen": "摔倒", "accident": "事故 受伤",
    "injury": "受伤", "defibrillator": "aed", "stranger": "陌生人", "strangers": "陌生人",
    "suspicious": "可疑", "break-in": "盗窃", "burglary": "盗窃", "safe": "安全", "safety": "安全",
    "break in": "盗窃", "breaking in": "盗窃", "broke in": "盗窃", "broke into": "盗窃", "breaking into": "盗窃",
    "trying to open my door": "撬门 可疑", "trying to get into": "撬门 可疑", "trying my door": "撬门 可疑", "forcing my door": "撬门 可疑",
    "spare": "备用", "spare key": "备用钥匙", "key cut": "配钥匙", "copy of my key": "配钥匙",
    "outside": "外面", "outside my door": "门口", "inside": "户内", "cold": "冷", "freezing": "冷",
    "is cold": "不热", "are cold": "不热", "not warm": "不热", "not hot": "不热", "isn't warm": "不热",
    "not warm enough": "不热", "lukewarm": "不热",
    "dump": "扔", "dumping": "扔", "main gate": "大门", "front gate": "大门", "back gate": "侧门",
    "bushes": "绿化", "hedge": "绿化", "trimming": "修剪", "trimmed": "修剪", "account": "账户",
    "overflowing": "堵 漏水", "overflow": "堵 漏水", "birthday": "生日", "parent": "家长",
    "parents": "家长", "station": "站", "access system": "门禁", "courtyard": "小区",
    "shoe rack": "鞋柜", "change": "更换", "file": "提交", "drivers": "司机", "driver": "司机",
    "sticker": "停车证", "scratched": "划", "scratch": "划", "dent": "划", "two": "两",
    "picked up": "取件", "tap water": "自来水 水质", "drinking water": "饮用水 水质",
    "parked in my": "被占", "took my": "被占", "taken my": "被占", "blocking my": "堵住", "blocked my": "堵住", "garbage picked up": "垃圾 清运", "trash picked up": "垃圾 清运",
    "rubbish picked up": "垃圾 清运",
    # phrases whose single words would mislead
    "garbage collection": "垃圾 清运", "rubbish collection": "垃圾 清运", "trash collection": "垃圾 清运",
    "garbage collected": "垃圾 清运", "rubbish collected": "垃圾 清运", "trash collected": "垃圾 清运",
    "big parcel": "大件 快递", "large parcel": "大件 快递", "big package": "大件 快递",
    "new car": "新车", "changed my car": "换车", "another car": "换车",
    "supermarket": "超市", "grocery": "超市", "groceries": "超市 买菜", "shop": "超市", "store": "超市",
    "septic tank": "化粪池", "septic": "化粪池", "sewage": "污水", "wheelchair": "轮椅", "umbrella": "雨伞",
    "borrow": "借用", "visiting": "来访", "come to visit": "来访", "elderly": "老年", "seniors": "老年",
    "heating come on": "供暖 开始", "heating start": "供暖 开始", "heating on": "供暖 开始",
    "turned on": "开始", "come on": "开始", "kitchen sink": "水槽 下水道",
    "frozen": "冻", "freeze": "冻", "froze": "冻", "frozen pipe": "水管 冻", "frozen pipes": "水管 冻",
    "thermostat": "温控", "low pressure": "水压 低", "pressure": "水压",
    "shortage": "不足", "mouse": "老鼠", "rat": "老鼠", "ice": "结冰", "icy": "结冰", "slippery": "路滑",
    "shovel": "扫雪", "plow": "扫雪", "plough": "扫雪", "snowplow": "扫雪", "snow clearing": "扫雪", "clear the snow": "扫雪", "wet": "潮湿", "moisture": "潮湿",
    "access card": "门禁卡", "access": "门禁", "locked out": "钥匙 锁", "closed": "关门",
    "grow vegetables": "种菜", "vegetable garden": "种菜", "vegetables": "菜", "grow": "种",
    "my flat only": "只有我家", "only my flat": "只有我家", "only our flat": "只有我家", "just my flat": "只有我家",
    "just our flat": "只有我家", "my apartment only": "只有我家", "only my apartment": "只有我家",
    "rest of the building is fine": "别人家都有", "the rest of the building": "别人家",
    "check the water meter": "抄表", "read the meter": "抄表", "meter reading": "抄表", "meter reader": "抄表员",
    "person pick up": "人接电话",
    "back door": "后门", "front door": "前门", "trying to open my": "撬我家",
    "tree fell": "树倒", "trees fell": "树倒", "tree just fell": "树倒", "fell on": "砸到", "fallen tree": "倒树",
    "fallen trees": "倒树", "fallen branches": "断枝", "somebody pick up": "有人接电话", "someone pick up": "有人接电话",
    "anybody pick up": "有人接电话", "actually pick up": "接电话",
    "water fight": "泼水", "water fights": "泼水", "snake": "蛇", "snakes": "蛇", "lizard": "壁虎", "lizards": "壁虎",
    "gecko": "壁虎", "geckos": "壁虎", "pay for water": "交水费", "pay for electricity": "交电费",
    "someone took my": "被偷", "somebody took my": "被偷", "stole my": "被偷",
    "climbing into": "爬进", "climbing in": "爬进", "climbed into": "爬进", "climbed in": "爬进",
    "have power": "有电", "has power": "有电", "have water": "有水", "has water": "有水",
    "lights are on": "灯是亮的", "lights on": "灯亮着",
    "anyone pick up": "有人接电话", "pick up the phone": "接电话", "picks up the phone": "接电话",
    "inclined elevator": "斜行电梯", "inclined lift": "斜行电梯", "slope elevator": "斜行电梯", "slope lift": "斜行电梯",
    "rusty": "生锈", "rusting": "生锈", "rust": "生锈",
    "collection": "清运", "planning to": "", "plan to": "", "going to": "", "want to": "", "trying to": "",
}
ENGLISH.update({k: v for k, v in _MORE_ENGLISH.items() if k not in ENGLISH})

# English words that carry no topic (questions words, pronouns, auxiliaries).
ENGLISH_STOPWORDS: frozenset[str] = frozenset("""
a an the i me my mine we us our you your he she it its they them their this that these those
is am are was were be been being do does did doing have has had having will would shall should
can could may might must to of in on at by for with from about as into onto over under up down
out off again then there here what which how why and or but if so not no yes please hi hello hey
thanks thank ok okay any some get got need want wanna know tell let im i'm whats what's is there
does anyone just still also very much many more most too really kindly sir madam dear
there's it's don't can't cannot won't isn't aren't doesn't didn't i've i'd i'll you're we're
like anything something someone anyone everyone anybody somebody other else one every each
go going goes come coming comes make makes take takes put use used using see look looking find
give keep leave right now soon ever never always usually only even though because while during
until since through across than then thing things stuff way lot lots bit little new good bad
best nearest near next last this week's sure possible able okay fine guys team
again already yet almost about around actually maybe perhaps
between happen happens happened problem problems help important try trying
think tried kept issue issues man woman guy
""".split())  # noqa: SIM905 - a word list reads better as text

# Chinese filler words that carry no topic; removed before matching.
# Interrogatives that do carry meaning (多少, 几点, 哪里, 多久, 什么时候) are kept.
FILLERS: tuple[str, ...] = (
    "请问一下", "请问", "问一下", "想问问", "想问", "想了解", "咨询一下", "咨询下", "打扰一下", "打扰了", "麻烦问下",
    "麻烦", "你好", "您好", "你们好", "谢谢", "多谢", "感谢", "哈喽", "在吗", "有人吗", "一下", "是不是",
    "能不能", "可不可以", "是否", "有没有", "应该", "需要", "要", "吗", "呢", "吧", "啊", "呀", "哦", "嘛", "哈",
    "呐", "咧", "啦", "的", "了", "我们家", "我家", "我们", "你们", "我", "您", "你", "他们", "那个", "这个",
    "就是", "然后", "其实", "现在", "一般", "请", "帮忙", "帮我", "给我", "告诉", "知道", "谁知道",
    # colloquial padding of typed and voice-typed questions
    "不知道", "搞不清楚", "搞不懂", "找不到", "到底", "行不行", "好不好", "可以吗", "能否", "可否", "咱们",
    "大家", "这边", "那边", "喂", "嗯", "额", "呃", "唉", "哎", "诶", "想请教", "请教", "问问", "问下",
)
# Filler removal must not cut these words apart.
FILLER_SAFE: tuple[str, ...] = (
    "家里", "了解", "的士", "目的", "要求", "重要", "主要", "只要", "要是", "请假", "申请", "邀请", "请求", "吧台",
)

# What a question asks for, and what a title says it answers: kind → cue words, looked for in the
# text before and after folding (so 能不能, a filler, still marks a rule question). Used to tell
# near-twin entries apart (deposit amount vs. refund, parking fee vs. plate registration).
QUESTION_KINDS: dict[str, tuple[str, ...]] = {
    "amount": ("多少钱", "收费", "费用", "价格", "金额", "多少", "几块", "贵", "免费", "要钱", "收钱", "付费"),
    "time": ("时间", "几点", "什么时候", "多久", "几月", "几号前", "几号开始", "哪天", "几天", "周期", "期限", "开放", "上班"),
    "place": ("哪里", "在哪", "地址", "位置", "哪儿", "放哪", "停哪"),
    "refund": ("退",),
    "procedure": ("怎么办理", "手续", "流程", "怎么申请", "申请", "办理", "登记", "材料", "资料"),
    "rule": ("能不能", "可不可以", "可以", "允许", "禁止", "规定", "不能", "不得", "行不行", "要不要"),
    "contact": ("电话", "找谁", "热线", "联系", "号码"),
}

# What residents say when an emergency of each kind (labels.md) is happening. Every handbook in the
# format tags one entry per kind `emergency:KIND`, so these reach that entry whatever its title.
EMERGENCY_WORDS: dict[str, tuple[str, ...]] = {
    "fire": ("着火", "起火", "失火", "火灾", "火情", "冒烟", "浓烟", "烧起来", "着起来", "火苗", "烧焦",
             "油锅", "火警", "冒火", "火窜", "窜起来", "油着了", "着了火"),
    "elevator": ("困在电梯", "被困", "困人", "关在电梯", "关电梯", "卡在电梯", "电梯里出不", "电梯门打不开",
                 "电梯卡住", "电梯里面出不", "里面有人", "里面有小孩", "里面有孩子", "里面有老人",
                 "停在半截", "卡在半截", "停在两层中间", "卡在两层", "困在里面", "关在里面", "在里面出不"),
    "gas": ("燃气味", "煤气味", "天然气味", "燃气泄漏", "煤气泄漏", "漏气", "臭鸡蛋味"),
    "flood": ("水管爆", "爆管", "进水", "水浸", "被淹", "淹了", "往下流", "水漫", "到处是水",
              "到处都是水", "水喷", "倒灌",
              "管子崩", "管崩了", "管子爆", "管子裂", "水管裂", "漏下来", "往外喷", "往外冒水", "一屋子水",
              "一地水", "水漫金山", "跑水"),
    "outage": ("整栋楼停", "整栋楼没", "整栋都停", "整栋都没", "全楼停", "全楼没", "整个小区停", "整个小区没",
               "都停电", "都停水", "都没电", "都没水", "突然停电", "突然停水", "突然没电", "突然没水",
               "突然全没", "全没水", "全没电", "都没有水", "都没有电", "全没有水", "全没有电", "同时没水", "同时没电", "好多家没", "好几家没", "几家都没", "全停电", "全停水", "都黑了", "全黑了", "一滴水都",
               "灯都灭", "邻居家也没", "对门也没", "楼上楼下都没"),
    "security": ("小偷", "被偷", "偷东西", "撬门", "撬锁", "在撬", "闯入", "打架", "打起来", "斗殴", "可疑",
                 "动手了", "动起手", "打人了", "打成一团", "干起来了", "打起架",
                 "陌生人", "抢劫", "持刀", "尾随", "撬我家", "撬开", "爬进", "翻进来", "翻窗", "爬窗"),
    "medical": ("晕过去", "昏过去", "晕了过去", "倒在地上", "倒地不起", "人事不省", "晕倒", "昏倒", "昏迷", "摔倒", "摔伤", "流血", "受伤", "骨折", "抽搐", "心脏病", "不省人事",
                "喘不上气", "起不来", "救护车", "aed", "跌倒", "跌了一跤", "摔了一跤", "动不了了", "没反应",
                "倒下了", "呛水", "溺水", "被烫", "烫伤", "烧伤", "割伤", "倒下去", "突然倒下", "被蛇", "蛇咬", "蛇叮", "咬了一口"),
}

# A cut in one flat only is a repair, not the building-wide `outage` emergency (labels.md): the
# outage words above are not taken as an emergency when the resident says it is only their flat
# (只有我家, 跳闸) or that a neighbour still has power or water (对门家灯是亮的), unless they also say
# the whole building is out.
ONE_FLAT_ONLY: tuple[str, ...] = (
    "只有我家", "只有我们家", "只是我家", "就我家", "就我们家", "只我家", "我家一户", "单单我家",
    "别人家都有", "别家都有", "其他家都有", "其他人家都有", "别的住户都有", "其他住户都有",
    "全屋", "跳闸", "空开跳", "电闸跳", "闸跳", "欠费停电", "电卡没钱", "电表没钱", "电费用完", "水卡没钱",
)
NEIGHBOURS: tuple[str, ...] = ("对门", "对面", "隔壁", "邻居", "别人家", "别家", "其他家", "楼上", "楼下", "楼道")
STILL_SUPPLIED: tuple[str, ...] = ("有电", "有水", "灯是亮", "灯亮", "灯都亮", "都亮", "是亮的", "亮着",
                                   "正常", "没停", "没事", "好好的", "是好的")
BUILDING_WIDE: tuple[str, ...] = ("整栋", "整幢", "整个楼", "全楼", "一栋楼", "整个单元", "整单元", "整个小区",
                                  "全小区", "整片", "一片", "这栋楼", "我们楼", "一家都没", "家家户户", "所有住户",
                                  "全单元", "邻居家也没", "对门也没", "楼上楼下都没")

# A lift the resident says nobody is inside ("没人关在里面", "no one trapped") is a fault, not the `elevator`
# emergency (labels.md); matched with the spaces of glossed English taken out.
NOBODY_INSIDE: tuple[str, ...] = ("没人关", "没人困", "没人被困", "没有人被困", "没有人困", "里面没人", "里面没有人",
                                  "没人在里面", "没有人在里面", "没人卡", "没人户内")

# Function characters: a bigram containing one says little about the topic ("个车" in "一个车位").
FUNCTION_CHARS: frozenset[str] = frozenset("的了着个这那些都也还就是和与或及把吗呢吧啊很太又才在")

# Interrogatives that are kept (they tell amount from method) but must not carry a match alone.
QUESTION_WORDS: frozenset[str] = frozenset({"哪里", "什么", "怎么", "多少", "多久", "时间", "收费", "找谁", "能不能"})

# Interrogatives whose neighbours form seam bigrams ("丢失怎么补" → 失怎, 么补): the pattern of a question,
# which echoes a title of the same pattern ("…丢了怎么补?") without naming its topic.
INTERROGATIVES: frozenset[str] = frozenset({"哪里", "什么", "怎么", "多少", "多久", "找谁", "能不能", "几点"})

# Question words that all mean "how": folded to one so they do not split matches.
HOW_WORDS: tuple[str, ...] = ("怎么样", "怎样", "如何", "咋样", "咋", "怎么办", "怎办", "怎么弄", "怎么搞")

# Traditional characters of dialect and Taiwanese question forms, added to the map above
# (邊度, 搵, 屋頭, 哪裡, 幾鈿, 儂, 唔該, 多長).
_TRADITIONAL_DIALECT = (
    "邊搵頭裡裏鈿儂該長麽閒講幫丟東龍來黃沒給碼體廣視機簾廚臥歲經紅藍壓帳據額幣價銀態輛輪駛閉進鐘"
    "涼凍滿濕髒亂鬧響養藥竊監攝郵領謝須罰違約訂牆磚滲馬設備類資認識記錄計劃棟寫統實況歷種樹葉蟲殺"
    "雜糧飯麵魚雞鍋爐調濾顏舊損爛漲優減補遷載達遲緊張誰錯許續預條雙"
)
_SIMPLIFIED_DIALECT = (
    "边揾头里里钿侬该长么闲讲帮丢东龙来黄没给码体广视机帘厨卧岁经红蓝压账据额币价银态辆轮驶闭进钟"
    "凉冻满湿脏乱闹响养药窃监摄邮领谢须罚违约订墙砖渗马设备类资认识记录计划栋写统实况历种树叶虫杀"
    "杂粮饭面鱼鸡锅炉调滤颜旧损烂涨优减补迁载达迟紧张谁错许续预条双"
)
TRADITIONAL_TO_SIMPLIFIED.update(zip(_TRADITIONAL_DIALECT, _SIMPLIFIED_DIALECT, strict=True))
# The classifier's character table (about 1,070 characters typed in traditional script; the `[chars]`
# section of intents/data/folding.tsv, shipped in the same distribution) covers far more than the list
# above. It is read as a data file, so `knowledge` still imports nothing of `intents`, and one table
# serves both: a character added there for the classifier reaches the handbook matcher too.
CLASSIFIER_FOLDING = Path(__file__).resolve().parent.parent / "intents" / "data" / "folding.tsv"


def _folding_chars(path: Path) -> dict[str, str]:
    """TRADITIONAL → simplified pairs of the `[chars]` section (same format rules as intents.normalize)."""
    pairs: dict[str, str] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "chars" and "\t" in line:
            traditional, _, simplified = line.partition("\t")
            pairs.update((t, s) for t, s in zip(traditional.strip(), simplified.strip(), strict=True) if t != s)
    return pairs


for _traditional, _simplified in _folding_chars(CLASSIFIER_FOLDING).items():
    TRADITIONAL_TO_SIMPLIFIED.setdefault(_traditional, _simplified)


# Dialect, regional and chat forms of question words, function words and a few everyday nouns →
# standard Mandarin, or "" to drop a particle or courtesy that says nothing about the topic.
# Applied to questions and handbook text alike, before synonyms and fillers (so 咋个 → 怎么 is then
# treated like any 怎么, 阿拉 → 我们 is then dropped as a filler). Written from general knowledge of
# the dialects, not from any question set; single characters only where they are not standard
# Mandarin (嘅, 咗, 冇 are Cantonese only; 系, 点, 晒 are not listed alone, nor 点解/点办, which
# occur across a word boundary in standard text: 重点解决, 9点办理). A word mapped to itself
# protects a longer standard phrase from a shorter entry (好久没 is "for a long time", not 多久).
DIALECT: dict[str, str] = {
    # Cantonese (粤语): question words
    "点样": "怎么", "点算": "怎么办", "做乜": "为什么",
    "做咩": "为什么", "乜嘢": "什么", "咩嘢": "什么", "乜": "什么", "咩": "什么", "几多钱": "多少钱",
    "几多": "多少", "几钱": "多少钱", "几耐": "多久", "几长时间": "多长时间", "几时": "什么时候",
    "边度": "哪里", "边到": "哪里", "边处": "哪里", "喺边度": "在哪里", "喺边": "在哪里", "边个": "谁", "边位": "谁",
    "揾边个": "找谁", "边间": "哪个", "边栋": "哪栋",
    "系咪": "是不是", "系唔系": "是不是", "有冇": "有没有", "可唔可以": "可不可以", "得唔得": "行不行",
    "使唔使": "要不要", "要唔要": "要不要", "能唔能": "能不能", "会唔会": "会不会", "使唔": "要不",
    # Cantonese: function words and particles
    "嘅": "的", "咗": "了", "冇": "没有", "唔": "不", "喺": "在", "嘢": "东西", "啲": "些", "佢哋": "他们",
    "我哋": "我们", "你哋": "你们", "哋": "们", "佢": "他", "揾": "找", "睇": "看", "攞": "拿", "畀": "给",
    "俾": "给", "嚟": "来", "咁": "这么", "噉": "这样", "嗰度": "那里", "呢度": "这里", "呢个": "这个",
    "嗰个": "那个", "嗰": "那", "而家": "现在", "宜家": "现在", "今日": "今天", "听日": "明天",
    "琴日": "昨天", "寻日": "昨天", "啱啱": "刚刚", "唔该晒": "", "唔该": "", "唔好意思": "",
    "唔使": "不用", "唔好": "不要", "㗎": "", "嘞": "", "喇": "", "啰": "", "喎": "", "啩": "", "啫": "",
    # Cantonese: everyday nouns and verbs
    "屋企": "家里", "升降机": "电梯", "𨋢": "电梯", "喇叭": "喇叭", "喇嘛": "喇嘛", "啰嗦": "啰嗦",
    "冷气机": "空调", "冷气": "空调", "雪柜": "冰箱",
    "水喉": "水龙头", "曱甴": "蟑螂", "街坊": "邻居", "屋苑": "小区", "屋邨": "小区",
    "搬屋": "搬家", "执屋": "打扫", "揸车": "开车", "落雨": "下雨", "放工": "下班",
    "差佬": "警察", "救伤车": "救护车", "冲凉": "洗澡", "热水炉": "热水器", "塞渠": "下水道堵塞",
    "渠塞": "下水道堵塞", "整返": "修好", "整好": "修好", "揾人整": "找人修", "细路": "小孩",
    "按金": "押金", "落楼": "下楼", "成晚": "整晚", "返屋企": "回家", "返到": "回到", "返工": "上班", "返学": "上学", "收工": "下班", "下昼": "下午",
    "琴晚": "昨晚", "寻晚": "昨晚", "听晚": "明晚", "泥头": "建筑垃圾", "大喼": "行李箱", "喼": "行李箱",
    "闩窗": "关窗", "闩门": "关门", "唔见晒": "丢了", "唔见咗": "丢了", "落去": "下去", "几远": "多远",
    # Sichuanese and south-western Mandarin (川渝)
    "咋个": "怎么", "啷个": "怎么", "郎个": "怎么", "咋个整": "怎么办", "咋个办": "怎么办",
    "咋个弄": "怎么办", "啷个办": "怎么办", "做啥子": "做什么", "搞啥子": "做什么", "干啥子": "做什么", "爪子": "做什么",
    "哪点": "哪里", "好久": "多久", "好久没": "好久没", "好久了": "好久了", "了好久": "了好久",
    "好久都": "好久都", "好久不": "好久不", "等好久": "等好久", "好多钱": "多少钱",
    "要好多": "要多少", "要好多了": "要好多了", "交好多": "交多少", "收好多": "收多少", "屋里头": "家里", "屋头": "家里",
    "娃儿": "孩子", "细娃儿": "孩子", "细娃": "孩子", "小娃儿": "孩子", "耗儿": "老鼠", "偷油婆": "蟑螂",
    "灶房": "厨房", "茅厕": "厕所", "茅房": "厕所", "不晓得": "不知道", "晓不晓得": "", "晓得": "知道",
    "要不要得": "可不可以", "要得不": "可以吗", "要不得": "不可以", "要得": "可以", "得行不": "可以吗",
    "得行": "可以", "要得到": "要得到", "要得了": "要得了", "要得多": "要得多", "取得行": "取得行",
    "获得行": "获得行", "得行政": "得行政", "得行驶": "得行驶", "得行人": "得行人",
    "莫得": "没有", "没得": "没有", "一哈儿": "一下", "一哈": "一下", "噻": "",
    "为啥子": "为什么", "遭不住": "受不了", "嬢嬢": "阿姨", "喊不答应": "没反应", "喊不应": "没反应",
    # Jin and western Inner Mongolian (晋语): 甚 for 什么, never alone (甚至, 甚多 are standard)
    "有甚": "有什么", "干甚": "做什么", "做甚": "做什么", "为甚": "为什么", "甚时候": "什么时候",
    # North-western Mandarin (宁夏, 甘肃, 陕西): 么 for 没 only where it cannot end 什么/怎么/这么/那么,
    # 兀 for 那, 嫑 for 不要, 麻达 for trouble
    "还么": "还没", "么人": "没人", "什么人": "什么人", "怎么人": "怎么人", "这么人": "这么人",
    "那么人": "那么人", "多么人": "多么人", "么下文": "没下文", "么看着": "没看到", "么看到": "没看到",
    "么找着": "没找到", "兀个": "那个", "兀达": "那里", "兀搭": "那里", "这搭": "这里", "那搭": "那里", "阿么": "怎么", "尕娃": "小孩", "嫑": "不要", "有麻达": "有问题",
    "麻达": "问题", "谝闲传": "聊天",
    # Hokkien (闽南): 阮 for 我们, 厝 for home, 底块/佗位 for where, 欲 for 要
    "阮厝": "我家", "厝里": "家里", "底块": "哪里", "佗位": "哪里", "坏去": "坏了", "欲叫": "要叫",
    # Shanghainese and Wu (吴语)
    "阿会": "会不会", "阿能": "能不能", "阿要": "要不要", "阿有": "有没有", "小囡": "小孩", "阿拉": "我们", "阿拉伯": "阿拉伯", "阿拉斯加": "阿拉斯加", "伊拉克": "伊拉克",
    "侬好": "你好", "侬": "你", "伊拉": "他们", "哪能办": "怎么办", "哪能弄": "怎么办",
    "哪能": "怎么", "啥辰光": "什么时候", "辰光": "时候", "几钿": "多少钱", "多少钞票": "多少钱",
    "钞票": "钱", "啥人": "谁", "搿个": "这个", "搿": "这", "迭个": "这个", "覅": "不要", "勿要": "不要",
    "勿": "不", "欢喜": "喜欢", "物事": "东西", "屋里厢": "家里", "里厢": "里面", "今朝": "今天",
    "明朝": "明天", "夜到": "晚上", "交关": "很", "汏浴": "洗澡", "灶披间": "厨房", "𠲎": "吗",
    "好伐": "好吗", "对伐": "对吗", "是伐": "是不是", "有伐": "有没有", "可以伐": "可以吗", "要伐": "要不要",
    "能伐": "能不能", "行伐": "行不行",
    # Northern and north-eastern Mandarin
    "嘛时候": "什么时候", "唠嗑": "聊天", "唠唠": "谈谈", "一宿": "一晚", "咋整": "怎么办", "咋弄": "怎么办", "咋回事": "怎么回事", "咋地": "怎么样", "啥玩意儿": "什么",
    "啥玩意": "什么", "干哈": "做什么", "嘎哈": "做什么", "干啥": "做什么", "整啥": "做什么",
    "多钱": "多少钱", "很多钱": "很多钱", "太多钱": "太多钱", "许多钱": "许多钱", "更多钱": "更多钱",
    "几个钱": "多少钱", "俺们": "我们", "俺家": "我家", "俺屋": "我家", "我屋里": "我家里", "俺": "我", "咱家": "我们家",
    "咱": "我们", "哪旮旯": "哪里", "哪嘎达": "哪里", "这嘎达": "这里", "那嘎达": "那里", "木有": "没有",
    "中不中": "行不行", "忒": "太", "埋汰": "脏", "瞅瞅": "看看", "瞅": "看", "搁哪": "放哪",
    "多会儿": "什么时候", "多咱": "什么时候", "哪会儿": "什么时候", "多大会儿": "多久", "呗": "",
    # colloquial Mandarin everywhere
    "啥时候": "什么时候", "啥时": "什么时候", "搞丢": "丢失", "整丢": "丢失", "有木有": "有没有", "咋搞": "怎么办",
    "哇": "", "哟": "", "噢": "",
    # Taiwanese Mandarin
    "停车格": "车位", "管委会": "业委会", "保全": "保安", "警卫": "保安", "垃圾车": "垃圾清运",
    "资源回收": "垃圾分类", "网路": "网络", "影印": "复印", "讯息": "信息", "房客": "租户", "电铃": "门铃",
    "该怎么": "怎么", "要怎么": "怎么", "虾米": "什么", "喔": "", "齁": "", "欸": "",
    # Chat, internet slang and pinyin-IME slips of question words
    "肿么办": "怎么办", "肿么": "怎么", "怎莫": "怎么", "怎末": "怎么", "怎摸": "怎么", "咋么": "怎么",
    "什莫": "什么", "什末": "什么", "神马": "什么", "甚莫": "什么", "为啥": "为什么", "为森么": "为什么",
    "多小钱": "多少钱", "多上钱": "多少钱", "哪理": "哪里", "哪离": "哪里", "再哪": "在哪", "杂办": "怎么办",
    "杂整": "怎么办", "杂弄": "怎么办", "杂回事": "怎么回事", "几点钟": "几点", "酱紫": "这样子",
    "不好意思": "", "弱弱地问": "", "弱弱的问": "", "弱弱问": "", "在线等": "", "求问": "",
    "各位邻居": "", "各位": "", "老铁": "", "亲们": "", "家人们": "", "问个事": "", "问个问题": "",
    "咨询个事": "", "有个问题": "", "有谁知道": "", "谁晓得": "",
    # Chat abbreviations in Latin letters (whole words only): to English, which the glossary then reads
    "zm": "怎么", "zmb": "怎么办", "sm": "什么", "smsh": "什么时候", "dsq": "多少钱", "zenme": "怎么",
    "shenme": "什么", "duoshao": "多少", "nali": "哪里", "jidian": "几点", "duojiu": "多久",
    "pls": "please", "plz": "please", "thx": "thanks", "thks": "thanks", "tks": "thanks", "ty": "thanks",
    "u": "you", "r": "are", "ur": "your", "y": "why", "wat": "what", "wut": "what", "hw": "how",
    "abt": "about", "tmr": "tomorrow", "tmrw": "tomorrow", "tmw": "tomorrow", "bldg": "building",
    "apt": "apartment", "mgmt": "management", "pkg": "package", "idk": "", "btw": "", "fyi": "", "lol": "",
    # 赣语 and 湘语 (session 13): 么子 for 什么, 伢子 for a child
    "为么子": "为什么", "做么子": "做什么", "么子": "什么", "细伢子": "孩子", "细伢": "孩子", "伢子": "孩子",
    # 青岛 嘎啦 (clams); Cantonese 隔篱屋 (next door), 灯仲着 (the light is still on); 长虫 (snake) and
    # 四脚蛇 (gecko) of the north and south-west
    "嘎啦": "蛤蜊", "隔篱屋": "隔壁", "隔篱": "隔壁", "灯仲着": "灯还亮着", "长虫": "蛇", "四脚蛇": "壁虎",
}

# Sentence-final question particles of dialect and chat ("可以停车不", "修好未", "好停车伐", "能交么"):
# dropped at the end of a clause like 吗, after a Chinese character, except after the characters
# listed, with which they end a standard word (怎么, 砍伐, 淹没, 尚未).
FINAL_PARTICLES: dict[str, str] = {
    "没有": "", "不": "", "没": "淹埋出吞沉覆", "伐": "砍采征讨步", "么": "怎什这那多要为", "未": "尚从并",
    "撒": "播抛", "嗦": "啰罗哆", "咯": "",
}
