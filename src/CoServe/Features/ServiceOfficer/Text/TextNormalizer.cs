using System.Collections.Frozen;
using System.Text;

namespace CoServe.Features.ServiceOfficer.Text;

/// <summary>
/// Puts client text into one canonical form before anything matches on it: half-width, lower case, simplified
/// characters, unified punctuation, common typos of this domain fixed. Clients type on phones with every input
/// method; the knowledge base is written once, so the variation has to be removed on the way in.
/// </summary>
public static class TextNormalizer
{
    // Traditional -> simplified: the characters of this domain (OpenCC's s2t table, Apache-2.0, applied to every
    // character of the seed knowledge base and common chat words, plus the one-to-many cases s2t cannot give back:
    // 发/髮, 干/乾/幹, 台/臺/颱, 里/裏/裡 ...), then, since round faq4, every other character that OpenCC's s2t, s2tw
    // or s2hk gives for the 5,000 most frequent characters of jieba's dictionary and that t2s gives back, and every
    // other character of the CJK block that t2s turns into one of those 5,000 (1,839 pairs; clients type traditional
    // characters for everyday words too: 個, 為, 簽). 帳 folds to 账, not 帐: in
    // this domain 到帐/帐户 always mean 账. Applying the table to the seed changes only its traditional lines.
    private const string Traditional =
        "萬與專業東丟兩嚴箇豐臨爲舉麼義樂習鄉書買於虧雲產億僅從倉們價優會傳僞體餘傭側債償儲兌關內冊寫決況凍淨準減幾憑擊劃則剛創刪別劇辦務" +
        "動勢區協單賣佔歷參雙發變臺號後嗎聽啓員諮響圍國圖場塊處備復夠頭學寶實審對導將嘗盡層屬歲峯幣帳帶幫幹並慶應廢開異棄張強歸當錄徵徑懷" +
        "態總慣願戶纔託執擾搶護報擔攔撥擇掛擋損換據攜攝搖攤數斷無舊時顯曉暫機雜權槓條來極構櫃標樣檔檢檻歡氣匯漢沒滬測濟潤漲灣滿潛靈點煩愛" +
        "狀獨環現電畫監蓋盜盤碼確離種積稱稅穩競筆籠篩籌籤簡類緊紅約級紀純納紙紋線組細終經綁結給絡絕統繼績續維綜綠緩編繳網羣職聯腦脫臉節蘋" +
        "範薦獲營藍慮補裝見觀規視覺觸計訂認讓議訊記許論設訪證評識詐訴試誠話詢該詳語誤說請諾讀誰調謂謹譜負財敗賬貨質購費資贖賠賴賺車轉輪軟" +
        "載較輯輸邊達過運還這進遠違連遲適選遞郵採裏針鈔鍾鈕錢銀鏈銷鎖錯鍵鏡長門閃閉問閒間閱隊階際陸險隨隱難靜頁頂項順須顧預領頻題顏額風飛" +
        "馬駁驗騙騷驟魚鳥麥黃齊齡龍髮乾颱檯裡著麵係繫彙佈併製隻衝瞭捨藉噹鬆蹟爛罵瘋貪壞糞亂亙亞侖侶俠倆個倫偉偵偽傑傘傷傾僂僑僕僥僱儀儉儷" +
        "儼兇兒兗凜凱剎剝剮劉劍劑勁勝勞勳勵勸勻匱卻厭厲叢吳吶呂唄啞啟喚喪喫喬喲嗆嗚嘆嘍嘔嘖嘮嘯嘰噓噠噥噯噴噸嚇嚕嚨嚲嚶囁囂囉囑囪園圓團堅" +
        "堊堯塗塢塵塹墊墜墮墳墾壇壋壎壓壘壟壩壯壺壽夢夥夾奧奪奮奼妝姍娛婁婦媧媯媽嫋嫺嫻嬀嬈嬌嬤嬪嬰嬸孫宮寢寧寬寵尋尷屆屍屜屢岡峴島峽崗嵐" +
        "嶄嶇嶗嶢嶮嶺嶼嶽巒巔巖帥師幀幘幟庫廁廂廈廚廝廟廠廡廣廬廳彈彌彎彥徹恆恥悅悵悶悽惡惱惻愜愷愾慄慘慚慟慫憂憊憐憚憤憫憲憶懇懲懶懸懺懼" +
        "懾戀戰戱戲拋挾掃掄掙揀揚揮搗摟摯摳摻撈撐撓撣撫撲撾撿擁擄擠擬擰擱擲擴擺擻攆攏攙攢攣攪攬敘敵斂斃斕斬晉晝暈暉暢曄曇曠曬朧柵梟棗棟棧" +
        "棲楊楓楨榪榮槍槨槳樁樓樞樸樹樺橋橢橫檜檳檸櫓櫚櫛櫟櫥櫻欄欏欖欞欽歐殘殮殯殲殺殼毀毆氈氫氳汙洩洶浹涇涼淚淪淵淶淺渙渦渾湊湧湯溝溫溳" +
        "溼滄滅滌滯滲滷滸滻滾漁漣漬漸漿潁潑潔潰澀澆澇澗澤澱濁濃濕濤濫濰濱濺濾瀆瀉瀏瀕瀘瀝瀟瀾灑灘灝灤災為烏烴煉煙煥煬熒熱熾燈燉燒燙燜燦燭" +
        "燴燻燼燾爍爐爭爺爾牀牆牘牽犛犢犧狹狽猙猶猻獄獅獎獰獵獸獺獻獼瑋瑣瑤瑩瑪璉璫璽瓊瓏瓚甌甕畝畢疇疊痙瘍瘓瘡瘧療癟癡癢癮癱癲皁皰皺盞盧" +
        "眾睜睞瞞瞼矚矯硯碩磚磯礄礎礙礦礪礫礬祕祿禍禎禕禪禮禱禿稈稜稟穌穎穢窩窪窮窯窺竄竅竇竈竊筍箋箏築篤簍簫簾籃籬籮籲粵糉糧糾紂紈紉紐紕" +
        "紗紛紜紡紳紹紿絀絆絎絛絝絞絢絨絲絳絹綆綏綢綣綬綰綱綴綸綺綻綽綾綿緇緋緒緘緙緝緞締緣緬緯緲練緹縈縉縊縐縛縣縫縮縱縷縹繃繆織繕繚繞繡" +
        "繩繪繭繮繹繽纏纓纖纜缽罌罰罷羅羈羥羨翹聖聞聰聲聳聶聾肅脅脈脛脣脹腎腫腳腸膚膠膩膽膿臍臘臚臥興艙艦艱茲荊莊莖莢華萊葉葦葷蒞蒼蓀蓮蓴" +
        "蔣蔥蔭蕎蕩蕪蕭薈薊薔薩藝藥藴藹蘄蘆蘇蘊蘚蘭蘿虛虜虯蛻蝕蝟蝦蝨蝸螞螢蟎蟬蟲蟻蠅蠍蠟蠱蠶蠻衆術衛袞褲褻襖襪襯襲覓親覲覷覽訌討訓訕訖訛" +
        "訝訟訣訥訶診詔詛詞詠詣詩詫詭詮詰詼誅誇誑誕誘誡誣誥誦誨説課誹誼諂諄談諒諛諜諞諡諦諧諫諭諱諳諶諷諸諺謀謁謄謊謎謔謗謙講謝謠謨謬謾譁" +
        "譏譚譯譴譽讖豈豎豔豬貓貝貞貢貧販貫責貯貳貴貶貸貼貽貿賀賂賃賄賈賊賑賓賜賞賢賤賦賭賽贅贈贊贍贏贓贛趕趙趨跡踐踴蹌蹤蹺躊躋躍躡躥躪軀" +
        "軋軌軍軒軛軸軼軾輒輔輕輛輝輟輦輩輳輻輾輿轂轄轅轆轍轎轟轡辭辮辯農逕遊遙遜遷遺遼邁邇邏鄒鄔鄖鄧鄭鄰鄲鄴醃醖醜醞醫醬釀釁釋釐釗釘釣釩" +
        "釵鈀鈉鈍鈎鈒鈞鈣鈦鈴鈷鈺鈾鉀鉑鉗鉛鉢鉤鉬鉻銃銅銑銖銘銜銨銬銳銻鋁鋅鋇鋒鋤鋪鋭鋮鋰鋸鋼錐錘錚錛錠錡錦錨錫錮錳鍋鍍鍘鍛鍬鎂鎊鎘鎢鎦鎧" +
        "鎬鎮鎳鏃鏗鏘鏟鏢鏤鏽鐐鐧鐫鐮鐲鐵鐸鑄鑑鑰鑲鑼鑽鑾鑿閂閆閎閏閔閘閣閥閨閩閭閲閹閻闊闌闔闕闖闡闢陝陣陰陳陽隕隴隸雋雖雛雞霧靂鞏鞝韁韃" +
        "韉韋韌韓韜韻頃頌頑頒頓頗頜頡頤頦頰頸頹顆顎顛顫顱颯颶颼飄飆飈飢飪飭飯飲飴飼飽飾餃餅餈餉養餌餓餚餞餡館餾饃饅饈饋饌饒饞馭馮馱馳馴駐" +
        "駒駕駙駛駝駟駢駭駱駿騁騎騫騰騾驀驅驊驍驕驚驛驢驥骯髏髒鬢鬥鬧鬮鬱魯魷鮊鮎鮑鮫鮮鯇鯉鯊鯢鯨鯰鯿鰉鰍鰓鰣鰨鰭鰱鰲鰻鰾鱅鱉鱔鱖鱗鱘鱷鳩" +
        "鳳鳴鴉鴛鴟鴣鴦鴨鴻鴿鵑鵝鵠鵡鵬鵲鶚鶯鶴鶻鷂鷓鷗鷲鷹鸚鸞鹹鹼鹽麗黨黴齋齎齒齙齦齧齲龐龔龕龜侷俬倖傢儁儘冑凈剋剷勛卹卽厠厤唸嘩噁嚐嚙" +
        "嚥嚮囌垻埰塚塤墰墻壜奬姦孃寀崑崙嵗廕弔彆彔彫彿慼慾懞捱捲擣敎旂旣昇曆曏朮枴柺査桿棊榦樑歎殭殻氂氾汎沖泝淒淩滙濛瀋瀰灕燬獃琱璿産甦" +
        "畵痠癒癥盃盪眞睏矇硃禦穀穫竪簽糰紮絃絶綉綑綫綳綵緑緔緻縧縴纍罈罎翫脩臟舘艷菴菸葯蒐蒓蓆蔘蕓薑薹衊衕衚裊複襬覈註証誌謚謡譟譭讚賫贜" +
        "踰輓迴週遡醣釦鈅鈡鉅鉆銹録錶鍼鎌鎚鏇鐘鑒閑閤闇陞霑鞦韆頽顔颳餬餵饑駡鬍鬚鬨鰐鵰鷄鹵麪麫麯麴鼕齣";
    private const string Simplified =
        "万与专业东丢两严个丰临为举么义乐习乡书买于亏云产亿仅从仓们价优会传伪体余佣侧债偿储兑关内册写决况冻净准减几凭击划则刚创删别剧办务" +
        "动势区协单卖占历参双发变台号后吗听启员咨响围国图场块处备复够头学宝实审对导将尝尽层属岁峰币账带帮干并庆应废开异弃张强归当录征径怀" +
        "态总惯愿户才托执扰抢护报担拦拨择挂挡损换据携摄摇摊数断无旧时显晓暂机杂权杠条来极构柜标样档检槛欢气汇汉没沪测济润涨湾满潜灵点烦爱" +
        "状独环现电画监盖盗盘码确离种积称税稳竞笔笼筛筹签简类紧红约级纪纯纳纸纹线组细终经绑结给络绝统继绩续维综绿缓编缴网群职联脑脱脸节苹" +
        "范荐获营蓝虑补装见观规视觉触计订认让议讯记许论设访证评识诈诉试诚话询该详语误说请诺读谁调谓谨谱负财败账货质购费资赎赔赖赚车转轮软" +
        "载较辑输边达过运还这进远违连迟适选递邮采里针钞钟钮钱银链销锁错键镜长门闪闭问闲间阅队阶际陆险随隐难静页顶项顺须顾预领频题颜额风飞" +
        "马驳验骗骚骤鱼鸟麦黄齐龄龙发干台台里着面系系汇布并制只冲了舍借当松迹烂骂疯贪坏粪乱亘亚仑侣侠俩个伦伟侦伪杰伞伤倾偻侨仆侥雇仪俭俪" +
        "俨凶儿兖凛凯刹剥剐刘剑剂劲胜劳勋励劝匀匮却厌厉丛吴呐吕呗哑启唤丧吃乔哟呛呜叹喽呕啧唠啸叽嘘哒哝嗳喷吨吓噜咙亸嘤嗫嚣啰嘱囱园圆团坚" +
        "垩尧涂坞尘堑垫坠堕坟垦坛垱埙压垒垄坝壮壶寿梦伙夹奥夺奋姹妆姗娱娄妇娲妫妈袅娴娴妫娆娇嬷嫔婴婶孙宫寝宁宽宠寻尴届尸屉屡冈岘岛峡岗岚" +
        "崭岖崂峣崄岭屿岳峦巅岩帅师帧帻帜库厕厢厦厨厮庙厂庑广庐厅弹弥弯彦彻恒耻悦怅闷凄恶恼恻惬恺忾栗惨惭恸怂忧惫怜惮愤悯宪忆恳惩懒悬忏惧" +
        "慑恋战戯戏抛挟扫抡挣拣扬挥捣搂挚抠掺捞撑挠掸抚扑挝捡拥掳挤拟拧搁掷扩摆擞撵拢搀攒挛搅揽叙敌敛毙斓斩晋昼晕晖畅晔昙旷晒胧栅枭枣栋栈" +
        "栖杨枫桢杩荣枪椁桨桩楼枢朴树桦桥椭横桧槟柠橹榈栉栎橱樱栏椤榄棂钦欧残殓殡歼杀壳毁殴毡氢氲污泄汹浃泾凉泪沦渊涞浅涣涡浑凑涌汤沟温涢" +
        "湿沧灭涤滞渗卤浒浐滚渔涟渍渐浆颍泼洁溃涩浇涝涧泽淀浊浓湿涛滥潍滨溅滤渎泻浏濒泸沥潇澜洒滩灏滦灾为乌烃炼烟焕炀荧热炽灯炖烧烫焖灿烛" +
        "烩熏烬焘烁炉争爷尔床墙牍牵牦犊牺狭狈狰犹狲狱狮奖狞猎兽獭献猕玮琐瑶莹玛琏珰玺琼珑瓒瓯瓮亩毕畴叠痉疡痪疮疟疗瘪痴痒瘾瘫癫皂疱皱盏卢" +
        "众睁睐瞒睑瞩矫砚硕砖矶硚础碍矿砺砾矾秘禄祸祯祎禅礼祷秃秆棱禀稣颖秽窝洼穷窑窥窜窍窦灶窃笋笺筝筑笃篓箫帘篮篱箩吁粤粽粮纠纣纨纫纽纰" +
        "纱纷纭纺绅绍绐绌绊绗绦绔绞绚绒丝绛绢绠绥绸绻绶绾纲缀纶绮绽绰绫绵缁绯绪缄缂缉缎缔缘缅纬缈练缇萦缙缢绉缚县缝缩纵缕缥绷缪织缮缭绕绣" +
        "绳绘茧缰绎缤缠缨纤缆钵罂罚罢罗羁羟羡翘圣闻聪声耸聂聋肃胁脉胫唇胀肾肿脚肠肤胶腻胆脓脐腊胪卧兴舱舰艰兹荆庄茎荚华莱叶苇荤莅苍荪莲莼" +
        "蒋葱荫荞荡芜萧荟蓟蔷萨艺药蕴蔼蕲芦苏蕴藓兰萝虚虏虬蜕蚀猬虾虱蜗蚂萤螨蝉虫蚁蝇蝎蜡蛊蚕蛮众术卫衮裤亵袄袜衬袭觅亲觐觑览讧讨训讪讫讹" +
        "讶讼诀讷诃诊诏诅词咏诣诗诧诡诠诘诙诛夸诳诞诱诫诬诰诵诲说课诽谊谄谆谈谅谀谍谝谥谛谐谏谕讳谙谌讽诸谚谋谒誊谎谜谑谤谦讲谢谣谟谬谩哗" +
        "讥谭译谴誉谶岂竖艳猪猫贝贞贡贫贩贯责贮贰贵贬贷贴贻贸贺赂赁贿贾贼赈宾赐赏贤贱赋赌赛赘赠赞赡赢赃赣赶赵趋迹践踊跄踪跷踌跻跃蹑蹿躏躯" +
        "轧轨军轩轭轴轶轼辄辅轻辆辉辍辇辈辏辐辗舆毂辖辕辘辙轿轰辔辞辫辩农迳游遥逊迁遗辽迈迩逻邹邬郧邓郑邻郸邺腌酝丑酝医酱酿衅释厘钊钉钓钒" +
        "钗钯钠钝钩钑钧钙钛铃钴钰铀钾铂钳铅钵钩钼铬铳铜铣铢铭衔铵铐锐锑铝锌钡锋锄铺锐铖锂锯钢锥锤铮锛锭锜锦锚锡锢锰锅镀铡锻锹镁镑镉钨镏铠" +
        "镐镇镍镞铿锵铲镖镂锈镣锏镌镰镯铁铎铸鉴钥镶锣钻銮凿闩闫闳闰闵闸阁阀闺闽闾阅阉阎阔阑阖阙闯阐辟陕阵阴陈阳陨陇隶隽虽雏鸡雾雳巩绱缰鞑" +
        "鞯韦韧韩韬韵顷颂顽颁顿颇颌颉颐颏颊颈颓颗颚颠颤颅飒飓飕飘飙飚饥饪饬饭饮饴饲饱饰饺饼糍饷养饵饿肴饯馅馆馏馍馒馐馈馔饶馋驭冯驮驰驯驻" +
        "驹驾驸驶驼驷骈骇骆骏骋骑骞腾骡蓦驱骅骁骄惊驿驴骥肮髅脏鬓斗闹阄郁鲁鱿鲌鲇鲍鲛鲜鲩鲤鲨鲵鲸鲶鳊鳇鳅鳃鲥鳎鳍鲢鳌鳗鳔鳙鳖鳝鳜鳞鲟鳄鸠" +
        "凤鸣鸦鸳鸱鸪鸯鸭鸿鸽鹃鹅鹄鹉鹏鹊鹗莺鹤鹘鹞鹧鸥鹫鹰鹦鸾咸碱盐丽党霉斋赍齿龅龈啮龋庞龚龛龟局私幸家俊尽胄净克铲勋恤即厕历念哗恶尝啮" +
        "咽向苏坝采冢埙坛墙坛奖奸娘采昆仑岁荫吊别录雕佛戚欲蒙挨卷捣教旗既升历向术拐拐查杆棋干梁叹僵壳牦泛泛冲溯凄凌汇蒙沈弥漓毁呆雕璇产苏" +
        "画酸愈症杯荡真困蒙朱御谷获竖签团扎弦绝绣捆线绷彩绿绱致绦纤累坛坛玩修脏馆艳庵烟药搜莼席参芸姜苔蔑同胡袅复摆核注证志谥谣噪毁赞赍赃" +
        "逾挽回周溯糖扣钥钟巨钻锈录表针镰锤旋钟鉴闲合暗升沾秋千颓颜刮糊喂饥骂胡须哄鳄雕鸡卤面面曲曲冬出";

    private static readonly FrozenDictionary<char, char> TraditionalToSimplified = BuildCharMap();

    // Misspellings seen in brokerage chats (homophones from pinyin input, 卷/券 confusions). Longest first so a
    // longer fix wins over a shorter one inside it.
    private static readonly (string From, string To)[] Typos =
    [
        ("融资融卷", "融资融券"),
        ("逆回够", "逆回购"),
        ("你回购", "逆回购"),
        ("科创版", "科创板"),
        ("创业版", "创业板"),
        ("港股同", "港股通"),
        ("手续废", "手续费"),
        ("手续非", "手续费"),
        ("银证转帐", "银证转账"),
        ("转帐", "转账"),
        ("帐户", "账户"),
        ("帐号", "账号"),
        ("拥金", "佣金"),
        ("用金", "佣金"),
        ("证卷", "证券"),
        ("卷商", "券商"),
        ("债卷", "债券"),
        ("开护", "开户"),
        ("销护", "销户"),
        ("申够", "申购"),
        ("新骨", "新股"),
        ("两荣", "两融"),
        ("两容", "两融"),
        ("密马", "密码"),
        ("蜜码", "密码"),
        ("登陆", "登录"),
        ("北交锁", "北交所"),
    ];

    public static string Normalize(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length);
        var lastWasSpace = true;
        foreach (var raw in text)
        {
            var c = Fold(raw);
            if (c == '\0') continue;
            if (char.IsWhiteSpace(c))
            {
                if (!lastWasSpace) sb.Append(' ');
                lastWasSpace = true;
                continue;
            }
            // Repeated "！！！" and "？？？" stay: the intent rules read emotion from them; matching drops punctuation anyway.
            sb.Append(c);
            lastWasSpace = false;
        }
        while (sb.Length > 0 && sb[^1] == ' ') sb.Length--;
        var s = sb.ToString();
        foreach (var (from, to) in Typos)
        {
            if (s.Contains(from, StringComparison.Ordinal)) s = s.Replace(from, to, StringComparison.Ordinal);
        }
        return s;
    }

    /// <summary>Half-width, lower case, simplified; '\0' for characters that carry nothing (zero-width, emoji selectors).</summary>
    public static char Fold(char c)
    {
        if (c == '\u3000') return ' ';
        if (c is >= '\uFF01' and <= '\uFF5E') c = (char)(c - 0xFEE0);
        if (c is '\u200B' or '\u200C' or '\u200D' or '\uFEFF' or '\uFE0F') return '\0';
        c = c switch
        {
            '。' => '.',
            '、' => ',',
            '“' or '”' or '「' or '」' or '『' or '』' => '"',
            '‘' or '’' => '\'',
            '【' or '〔' => '[',
            '】' or '〕' => ']',
            '《' or '》' => '"',
            '～' or '〜' => '~',
            '—' or '–' => '-',
            '…' => '.',
            _ => c,
        };
        if (c is >= 'A' and <= 'Z') return (char)(c + 32);
        if (c >= '\u4E00' && TraditionalToSimplified.TryGetValue(c, out var simplified)) return simplified;
        return c;
    }

    public static bool IsPunctuation(char c) => c < 128 ? char.IsPunctuation(c) || char.IsSymbol(c) : char.IsPunctuation(c);

    private static FrozenDictionary<char, char> BuildCharMap()
    {
        var map = new Dictionary<char, char>();
        for (var i = 0; i < Traditional.Length && i < Simplified.Length; i++)
        {
            if (Traditional[i] != Simplified[i]) map[Traditional[i]] = Simplified[i];
        }
        map['帐'] = '账';
        return map.ToFrozenDictionary();
    }
}
