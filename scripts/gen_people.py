#!/usr/bin/env python3
"""Seeded, labelled generator of a synthetic UK "people" table with known duplicates.

The output measures the precision and recall of fuzzy duplicate detection, so every row carries
the ground truth and the data is built to look like a real customer/patient dump.

Columns (CSV, RFC 4180, header row, UTF-8, "\\n" line ends):

  id          1..N surrogate primary key, unique, assigned after the rows are shuffled.
  entity_id   ground truth: every record of one real person has the same entity_id.
              For scoring only; never use it for matching.
  first_name, last_name
              first names from a built-in list of 320 (male and female, mixed origins, some
              accented: Léa, Zoë, José, Chloé, ...) with Zipf weights, so James/Mary are common
              (~4% of men/women each) and most names rare; surnames from ~21,500 (375 real ones
              plus synthetic ones built from syllables) with Zipf-like weights close to the UK's
              (Smith ~1.1%, the real ones ~30% of people, a long rare tail).
  birth_date  ISO YYYY-MM-DD, 1940..2015.
  email       derived from the name (first.last42@example.com, jsmith@..., first_last1987@...,
              ...) on several providers (all under the reserved example.* domains), unique per
              person; young children have none.
  phone       UK mobile, canonical form "07700 900123".
  street      "12 Oak Road" (sometimes "Flat 3, 12 Oak Road", which CSV quotes).
  city        ~290 UK towns, weighted by population^0.8 (London ~10%).
  postcode    UK style ("SW1A 1AA", "B15 2TT"), in a district of the city's postcode area.

Population: people live in households: singles (42%), couples (28%; 75% share a surname) and
families with one to four children (30%). That makes hard negatives on purpose:
  * family members: same surname and address/postcode, different first name and birth date,
    sometimes the same phone (5% of couples; 10% of minors and 2% of adult children give a
    parent's number): about 5% of people share their phone with someone else in the table;
  * twins (3% of families with two or more children): same surname, birth date and address,
    different first name;
  * juniors (2% of eldest sons): the father's first name, surname and address, born 20-40
    years later;
  * common-name collisions: different people called e.g. "James Smith" in the same city
    (from the skewed name distributions, plus 3% of singles given a top-10 first name and
    surname in one of the 5 largest towns).

Duplicates: about --dup-rate (default 0.3) of the people get 1-3 extra records (one in 88% of
those cases, two in 9%, three in 3%), so about a quarter of all rows are extra records of a
person who already has a row. The first record of a person is clean-ish (a few fields missing,
as in any real table); each extra record is derived from the true person with these
corruptions, each drawn independently:
  names      marriage surname change 3% (adults), nickname 10% (Robert -> Bob/Rob, ...; ~70
             names have nicknames), accents stripped 50% when there are any (Léa -> Lea),
             one-character typo (insert/delete/substitute with a keyboard neighbour/transpose)
             8% on the first name and 8% on the surname, first and last swapped 2%, case change
             (UPPER or lower) 5%;
  birth date day and month transposed 3% (when both <= 12), one digit mistyped 3% (not the
             century; may give an impossible date), written as DD/MM/YYYY or YYYY/MM/DD 15%;
  email      a new address 4%, other provider 6%, one-character typo 3%, upper case 4%;
  phone      a new number 5%; written as 07700900123, +44 7700 900123 or (07700) 900 123 25%;
  address    moved house (new street, postcode and often city) 10%;
  whitespace doubled/leading/trailing space in one text field 4%;
  missing    each field empty: names 4%, birth date 5%, email 8%, phone 8%, street 6%, city 5%,
             postcode 6%.
On average 1.6 of the 8 fields of an extra record differ from the true values (as strings);
about 22% of extra records are exact copies. The first record is never corrupted apart from
missing values; rows are shuffled, so which record comes first in the file is random.

The same arguments give byte-identical output (gzip output too: no timestamp, no file name in
the header). Everything is built in memory and shuffled at the end: roughly 150 bytes of memory
per row (10M rows: about 2-3 GB).

Usage:
  python3 scripts/gen_people.py --rows 100000 --seed 42 --out target/bench-data/people_100000.csv
  python3 scripts/gen_people.py --rows 1000000 --out people.csv.gz
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gzip
import io
import itertools
import random
import sys
import time
import unicodedata
from bisect import bisect_right

HEADER = ["id", "entity_id", "first_name", "last_name", "birth_date", "email", "phone",
          "street", "city", "postcode"]

# ---------------------------------------------------------------------------------------------
# Vocabularies (fixed, independent of --seed). Lists are in rough order of popularity.

MALE_NAMES = """
James John Robert Michael William David Richard Thomas Christopher Daniel Paul Mark Andrew
Joseph George Peter Matthew Steven Stephen Anthony Charles Edward Mohammed Oliver Jack Harry
Ryan Benjamin Samuel Jonathan Alexander Nicholas Simon Kevin Gary Ian Brian Martin Adam Luke
Jamie Lewis Joshua Liam Noah Leo Oscar Arthur Henry Alfie Charlie Freddie Archie Jacob Ethan
José Mason Dylan Tyler Callum Kieran Connor Nathan Aaron Craig Scott Lee Dean Neil Graham Keith
Colin Kenneth Ronald Donald Gerald Lawrence Patrick Francis Frederick Timothy Gregory Philip
Raymond Roger Trevor Derek Alan Barry Stuart Shaun Sean Gavin Wayne Darren Jason Carl Russell
Dominic Sebastian Theodore Isaac Elijah Gabriel Zachary Muhammad Ali Omar Hassan Ahmed Imran
Raj Arjun Rahul Sanjay Vikram Amir Tariq Yusuf Ibrahim Kwame Chidi Emeka Tunde Jakub Piotr
Tomasz Krzysztof Marek Andrei Mihai Luis Carlos João Diego Mateo Raphaël Loïc Noé Jérôme
François Björn Søren Jürgen Lukas Finn Wei Jun Hiroshi Kenji Seán Ciarán Niall Eoin Rhys
Dafydd Gareth Huw Hamish Angus Fraser Euan Nathaniel Rory Toby Reuben
""".split()

FEMALE_NAMES = """
Mary Patricia Elizabeth Jennifer Linda Susan Margaret Sarah Karen Jessica Emma Olivia Amelia
Sophie Emily Charlotte Hannah Lucy Rebecca Laura Rachel Helen Claire Nicola Michelle Lisa
Katherine Catherine Victoria Samantha Amanda Deborah Julie Jacqueline Christine Barbara Chloe
Dorothy Joan Jean Ann Anne Alison Teresa Natalie Gemma Chloé Kelly Jade Amy Megan Lauren Holly
Ellie Isla Ava Mia Grace Freya Lily Zoë Evie Poppy Isabella Ella Sophia Jasmine Ruby Daisy
Phoebe Alice Léa Florence Matilda Eleanor Abigail Harriet Scarlett Imogen Zara Leah Erin
Niamh Aoife Siobhán Caitlin Bethan Rhiannon Eilidh Kirsty Fiona Morag Josephine Kimberly Tracy
Donna Joanne Louise Stephanie Heather Diane Angela Janet Carol Sandra Wendy Pauline Gillian
Kathleen Maureen Irene Sheila Brenda Valerie Shirley Fatima Aisha Ayesha Maryam Zainab Priya
Anjali Sunita Deepa Nadia Amara Chiamaka Ngozi Zofia Agnieszka Katarzyna Magdalena Ana María
Lucía Sofía Inês Zoe Amélie Anaïs Hélène Renée Béatrice Noémie Mei Yuki Ingrid Astrid Greta
Natasha Alexandra Eve Beatrice Rose
""".split()

NICKNAMES = {
    "Robert": ["Bob", "Rob", "Bobby"], "William": ["Bill", "Will", "Billy"],
    "Elizabeth": ["Liz", "Beth", "Lizzie", "Betty"], "Katherine": ["Kate", "Kathy", "Katie"],
    "Catherine": ["Cathy", "Kate", "Cath"], "Michael": ["Mike", "Mick", "Mikey"],
    "Jonathan": ["Jon", "Jonny"], "Alexander": ["Alex", "Sandy", "Xander"],
    "Alexandra": ["Alex", "Lexi", "Sasha"], "Margaret": ["Maggie", "Peggy", "Meg"],
    "James": ["Jim", "Jimmy", "Jamie"], "John": ["Johnny", "Jack"],
    "Richard": ["Rick", "Dick", "Richie"], "Thomas": ["Tom", "Tommy"],
    "Christopher": ["Chris", "Kit"], "Daniel": ["Dan", "Danny"], "Matthew": ["Matt"],
    "Anthony": ["Tony", "Ant"], "Joseph": ["Joe", "Joey"], "Edward": ["Ed", "Eddie", "Ted"],
    "Andrew": ["Andy", "Drew"], "Benjamin": ["Ben", "Benji"], "Samuel": ["Sam", "Sammy"],
    "Nicholas": ["Nick", "Nicky"], "Stephen": ["Steve"], "Steven": ["Steve"],
    "David": ["Dave", "Davy"], "Charles": ["Charlie", "Chuck"], "Patricia": ["Pat", "Trish"],
    "Jennifer": ["Jen", "Jenny"], "Susan": ["Sue", "Susie"], "Rebecca": ["Becky", "Becca"],
    "Deborah": ["Debbie", "Deb"], "Victoria": ["Vicky", "Tori"], "Samantha": ["Sam", "Sammie"],
    "Jessica": ["Jess", "Jessie"], "Christine": ["Chris", "Tina"], "Kimberly": ["Kim"],
    "Abigail": ["Abby", "Abi"], "Eleanor": ["Ellie", "Nell"], "Frederick": ["Fred", "Freddie"],
    "Henry": ["Harry", "Hal"], "Timothy": ["Tim"], "Peter": ["Pete"], "Gregory": ["Greg"],
    "Philip": ["Phil"], "Kenneth": ["Ken", "Kenny"], "Ronald": ["Ron", "Ronnie"],
    "Donald": ["Don", "Donnie"], "Gerald": ["Gerry"], "Lawrence": ["Larry", "Laurie"],
    "Patrick": ["Paddy", "Pat"], "Francis": ["Frank"], "Joshua": ["Josh"],
    "Nathaniel": ["Nate", "Nat"], "Nathan": ["Nate"], "Zachary": ["Zach", "Zak"],
    "Theodore": ["Theo", "Ted"], "Isabella": ["Bella", "Izzy"], "Josephine": ["Jo", "Josie"],
    "Jacqueline": ["Jackie"], "Dorothy": ["Dot", "Dolly"], "Barbara": ["Babs", "Barb"],
    "Teresa": ["Terri", "Tess"], "Amanda": ["Mandy"], "Natalie": ["Nat"],
    "Alison": ["Ali"], "Gabriel": ["Gabe"], "José": ["Pepe"], "Mohammed": ["Mo"],
    "Muhammad": ["Mo"], "Raymond": ["Ray"], "Douglas": ["Doug"], "Kathleen": ["Kath"],
    "Jacob": ["Jake"], "Sebastian": ["Seb"], "Dominic": ["Dom"], "Oliver": ["Ollie"],
    "Archibald": ["Archie"], "Florence": ["Flo"], "Harriet": ["Hattie"], "Caitlin": ["Cait"],
}

SURNAMES_REAL = """
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson
Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner
Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott
Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson
Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams
Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell
Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens
Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews
Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson
Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells
Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page
Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton
Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess
Bishop Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne
Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss
McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle
Wallace George Jordan Hutchinson Rowe Burke May Pritchard Gilbert Willis Higgins Read Miles
Stevenson Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Austin Sullivan
Whitehead Mann Frost Lambert Stephens Blake Akhtar Lynch Goodwin Barton Woodward Thomson
Cunningham Quinn Barnett Baxter Bibi Clayton Nash Greenwood Jennings Holt Kemp Poole Gallagher
Bond Stokes Tucker Davidson Fowler Heath Norman Middleton Lawson Banks French Stanley Jarvis
Gibbs Ferguson Hayward Carroll Douglas Dickinson Todd Barlow Peters Lucas Knowles Hartley Miah
Simmons Morton Alexander Field Morrison Norris Townsend Preston Hancock Thornton Baldwin Burrows
Briggs Storey Pike Chan Wong Nguyen Kowalski Nowak García Rodríguez Fernández Müller Schmidt
Dubois Lefèvre Okafor Mensah Adeyemi Silva Santos Costa Rossi Russo Ferrari Yılmaz Kaya Cohen
Levi Hernández López Martínez González Pérez Sánchez Gómez Díaz Álvarez Romero Wiśniewski
Wójcik Kamiński Lewandowski Zieliński Novák Dvořák Horvat Kovač Nagy Papadopoulos Jensen
Hansen Nielsen Andersen Larsen Johansson Karlsson Nilsson Eriksson Lindqvist Virtanen Korhonen
O'Sullivan O'Reilly MacDonald MacLeod MacKenzie Fraser Sinclair Cameron Duncan Munro
""".split()

SYL_PREFIX = """Ash Black Brad Brom Cal Carr Chal Dal Dun Eld Fair Farn Gar Gold Hal Hart Hol Kel
Kin Lang Ling Mar Mel Mor Nor Oak Pem Pen Rad Red Ren Row Sand Shel Stan Stock Thorn Tur Wal War
Wes Whit Win Wood Wyn Al Bar Bel Bram Bur Cad Char Cliff Cor Crom Dar Den Ed Elm Fen Gil Glen
Ham Har Hay Hen Ing Kirk Lam Lind Mal Mid New Ock Pad Pick Ral Rid Sal Sel Sher Spen Tal Tem
Ver Ald Ayl Bick Brack Brough Cam Cut Dray Ev Fal Grim Hed Hux Lud Math Nut Pres Quar Rum Scar
Stam Tib Ux Wad Yar""".split()
SYL_MIDDLE = ["er", "en", "le", "ow", "by", "ing"]
SYL_SUFFIX = """ton ley field worth wood ford by ham son man well more bury stead hurst wick combe
dale den shaw thwaite ridge brook cott mere over ington ock ett ard ling ins kins ers ell all
ey op ing""".split()
FOREIGN_ROOT = """Kowal Nowa Lewand Wisn Zielin Szyman Wojc Kam Dud Petr Ivan Sok Bel Mar Gar Fern Rod
Mor Ross Bian Ferr Ric Esp Sil Kral Horv Pap Yil Dem Ozt Kap Ber Gold Rosen Lind Berg Holm Vass
Andr Dimit Nik Kost""".split()
FOREIGN_END = """ski ska wicz czyk enko ov ova escu ini elli ez es ian oglu berg stein mann sen sson
opoulos idis ic ak""".split()

STREET_BASE = """Oak Elm Ash Beech Birch Cedar Chestnut Hawthorn Holly Maple Pine Rowan Willow Yew
Church Station High Mill Park Victoria Albert King Queen Princes Manor Green School North South
East West New Old London Main Bridge Castle Chapel Farm Grange Hill Lake Meadow Orchard Priory
Queens Kings Rectory River Spring Vicarage Windmill York Windsor Stanley George Grosvenor
Highfield Westfield Springfield Mount Alexandra Cromwell Nelson Wellington Clarence Chester
Richmond Cambridge Oxford Trinity Abbey Brook Cherry Fern Heather Ivy Laurel Lime Poplar
Sycamore Hazel Primrose Rose Lavender Bluebell Daisy Glebe Moor Heath Forest Woodland Valley
Riverside Canal Market Bank Tower Cross Well Cliff Field Harbour Beach Marine Belmont Ashford
Fairfield Broadway Jubilee Coronation Whitehall Hillside Brookside Greenway Southfield Langley
Ridgeway Tudor Stuart Hanover Lancaster Devonshire Cavendish Milton Shakespeare Byron Darwin
Newton Orchard Paddock Copse Dale Fox Badger Kestrel Swan Lark""".split()
STREET_SUFFIX = [("Road", 30), ("Street", 20), ("Avenue", 10), ("Lane", 10), ("Close", 8),
                 ("Drive", 8), ("Way", 5), ("Gardens", 4), ("Crescent", 4), ("Grove", 4),
                 ("Place", 3), ("Terrace", 3), ("Court", 2), ("Walk", 2), ("Mews", 1),
                 ("Rise", 1), ("Row", 1), ("Square", 1), ("Park", 1), ("Hill", 1)]

# name | population (thousands, rough) | postcode districts ("B1-48" = B1..B48)
CITIES = """
London|8900|E1-18 EC1A EC1M EC1V EC2A EC3N EC4A N1-22 NW1-11 SE1-28 SW1A SW1E SW1H SW1P SW1V SW1W SW1X SW1Y SW2-20 W1A W1B W1D W1F W1G W1H W1J W1K W2-14 WC1A WC1B WC1E WC2A WC2B WC2E
Birmingham|1140|B1-48
Leeds|790|LS1-29
Glasgow|630|G1-53
Sheffield|580|S1-14 S17 S20
Manchester|550|M1-23 M40
Edinburgh|525|EH1-17
Liverpool|500|L1-38
Bristol|470|BS1-16 BS34
Croydon|390|CR0 CR2-9
Barnet|390|EN4-5
Coventry|370|CV1-6
Cardiff|360|CF3 CF5 CF10-24
Leicester|355|LE1-5
Bradford|350|BD1-15
Belfast|345|BT1-17
Wakefield|345|WF1-6
Nottingham|330|NG1-11
Enfield|330|EN1-3
Bromley|330|BR1-8
Wigan|330|WN1-6
Newcastle upon Tyne|300|NE1-7 NE12-15
Doncaster|300|DN1-12
Stockport|295|SK1-8
Hounslow|270|TW3-7
Wolverhampton|265|WV1-14
Plymouth|265|PL1-9
Rotherham|265|S60-66
Kingston upon Hull|260|HU1-10
Salford|260|M3 M5-7 M27-30
Stoke-on-Trent|255|ST1-6
Southampton|255|SO14-19
Derby|255|DE1 DE3 DE21-24
Harrow|250|HA1-3
Swansea|245|SA1-7
Barnsley|245|S70-75
Oldham|235|OL1-9
Brighton|230|BN1-2 BN41
Milton Keynes|230|MK1-15
Northampton|225|NN1-5
Rochdale|220|OL11-16
Luton|215|LU1-4
Solihull|215|B90-94
Portsmouth|210|PO1-6
York|210|YO1 YO10 YO23-32
Warrington|210|WA1-5
Sutton|205|SM1-7
Peterborough|200|PE1-7
Aberdeen|200|AB10-25
Gateshead|200|NE8-11
Bolton|195|BL1-7
Colchester|195|CO1-7
Bury|190|BL8-9
Bournemouth|185|BH1-11
Swindon|185|SN1-5 SN25
Basildon|185|SS13-16
Southend-on-Sea|180|SS0-3 SS9
St Helens|180|WA9-11
Chelmsford|180|CM1-3
Reading|175|RG1-6 RG30-31
Sunderland|175|SR1-6
Walsall|175|WS1-10
Kingston upon Thames|175|KT1-6
Ilford|170|IG1-6
Telford|170|TF1-7
Slough|165|SL1-3
Huddersfield|160|HD1-8
Newport|155|NP10 NP18-20
Oxford|150|OX1-4
Poole|150|BH12-17
Dundee|150|DD1-5
Blackburn|150|BB1-2
St Albans|150|AL1-4
Norwich|145|NR1-7
Cambridge|145|CB1-5
Birkenhead|145|CH41-43
Preston|145|PR1-5
Middlesbrough|140|TS1-8
Ipswich|140|IP1-5
Blackpool|140|FY1-5
Lancaster|140|LA1-2
Gloucester|130|GL1-4
Exeter|130|EX1-6
Eastleigh|130|SO50-53
High Wycombe|125|HP10-15
Romford|125|RM1-7
Havant|125|PO7-9
Chester|120|CH1-4
Cheltenham|117|GL50-54
Basingstoke|115|RG21-24
Crawley|115|RH10-11
Fareham|115|PO14-17
Maidstone|110|ME14-18
Worthing|110|BN11-15
Mansfield|110|NG18-21
Dartford|110|DA1-2
Carlisle|110|CA1-6
Darlington|107|DL1-3
Gillingham|105|ME7-8
Bedford|105|MK40-45
Chesterfield|105|S40-45
Eastbourne|103|BN20-23
Woking|100|GU21-22
Lincoln|100|LN1-6
Worcester|100|WR1-5
Watford|100|WD17-19 WD24-25
Hemel Hempstead|95|HP1-3
Bath|95|BA1-2
Southport|95|PR8-9
Kettering|95|NN14-16
Hartlepool|93|TS24-27
Hastings|92|TN34-38
Stevenage|90|SG1-2
Halifax|90|HX1-7
Nuneaton|90|CV10-11
Grimsby|88|DN31-37
Harlow|87|CM17-20
Stockton-on-Tees|85|TS16-21
Bracknell|85|RG12 RG42
Redditch|85|B97-98
Derry|85|BT47-48
Gosport|85|PO12-13
Weston-super-Mare|82|BS22-24
Dudley|80|DY1-3
West Bromwich|80|B70-71
Guildford|80|GU1-5
Scunthorpe|80|DN15-17
Tamworth|77|B77-79
Chatham|77|ME4-5
Brentwood|77|CM13-15
Paisley|77|PA1-3
Harrogate|75|HG1-3
Burton upon Trent|75|DE13-15
Newcastle-under-Lyme|75|ST5
Burnley|75|BB10-12
South Shields|75|NE33-34
Ashford|75|TN23-27
Gravesend|75|DA11-13
East Kilbride|75|G74-75
Shrewsbury|72|SY1-5
Crewe|72|CW1-2
Lowestoft|71|NR32-33
Rugby|70|CV21-23
Corby|70|NN17-18
Stafford|70|ST16-18
Maidenhead|70|SL6
Uxbridge|70|UB8-10
Tynemouth|68|NE29-30
Washington|67|NE37-38
Torquay|66|TQ1-2
Wrexham|65|LL11-14
Craigavon|65|BT62-66
Bognor Regis|64|PO21-22
Dewsbury|63|WF12-13
Twickenham|63|TW1-2
Runcorn|62|WA7
Widnes|62|WA8
Margate|62|CT9
Hereford|61|HR1-4
Scarborough|61|YO11-13
Loughborough|60|LE11-12
Aylesbury|60|HP19-22
Taunton|60|TA1-3
Farnborough|60|GU14
Tunbridge Wells|58|TN1-4
Livingston|57|EH53-54
Kidderminster|56|DY10-11
Barrow-in-Furness|56|LA13-14
Clacton-on-Sea|56|CO15-16
Barry|55|CF62-63
Canterbury|55|CT1-4
Horsham|55|RH12-13
Dunfermline|54|KY11-12
Hamilton|54|ML3
Keighley|53|BD20-22
Weymouth|53|DT3-4
Macclesfield|52|SK10-11
Leamington Spa|50|CV31-32
Wellingborough|50|NN8-9
Banbury|50|OX15-17
Andover|50|SP10-11
Batley|50|WF17
Bridgend|50|CF31-35
Llanelli|50|SA14-15
Neath|50|SA10-11
Kirkcaldy|50|KY1-2
Cumbernauld|50|G67-68
Paignton|50|TQ3-4
Christchurch|50|BH23
Staines|50|TW18-19
Durham|48|DH1
Cwmbran|48|NP44
Welwyn Garden City|48|AL7-8
Inverness|47|IV1-3
Perth|47|PH1-2
Ayr|46|KA6-8
Kilmarnock|46|KA1-3
Folkestone|46|CT18-20
Hinckley|45|LE10
Grantham|45|NG31-33
Boston|45|PE20-22
Winchester|45|SO21-23
Worksop|45|S80-81
Wokingham|45|RG40-41
Yeovil|45|BA20-22
Merthyr Tydfil|45|CF47-48
Lisburn|45|BT27-28
Coatbridge|44|ML5
King's Lynn|43|PE30-34
Greenock|42|PA15-16
Newbury|41|RG14
Salisbury|41|SP1-2
Tonbridge|41|TN9-11
Bridgwater|41|TA5-7
Caerphilly|41|CF83
Castleford|40|WF10
Bury St Edmunds|40|IP28-33
Great Yarmouth|40|NR29-31
Epsom|40|KT17-19
Camberley|40|GU15-17
Fleet|40|GU51-52
Glenrothes|39|KY6-7
Aldershot|37|GU11-12
Stirling|37|FK7-9
Airdrie|37|ML6
Port Talbot|37|SA12-13
Blyth|37|NE24
Chippenham|36|SN14-15
St Helier|35|JE1-4
Hitchin|35|SG4-5
Bridlington|35|YO15-16
Falkirk|35|FK1-2
Redhill|35|RH1
Accrington|35|BB5
Irvine|34|KA11-12
Letchworth|33|SG6
Lichfield|33|WS13-14
Abingdon|33|OX13-14
Stroud|33|GL5-6
Dumfries|33|DG1-2
Pontypridd|33|CF37-38
Trowbridge|33|BA14
Bicester|32|OX25-27
Spalding|32|PE11-12
Motherwell|32|ML1
Dover|32|CT15-17
St Neots|31|PE19
Warwick|31|CV34-35
Ballymena|30|BT42-43
Stratford-upon-Avon|30|CV37
Sevenoaks|30|TN13-15
Newark|30|NG22-24
Beverley|30|HU17
Pontefract|30|WF8-9
Colwyn Bay|30|LL28-29
Aberdare|30|CF44
Harpenden|30|AL5
Kendal|29|LA9
Witney|28|OX28-29
Newtownards|28|BT23
Carrickfergus|28|BT38
Douglas|27|IM1-4
Chichester|27|PO18-20
Newry|27|BT34-35
Hertford|26|SG13-14
Rhyl|26|LL18
Coleraine|25|BT51-52
Reigate|25|RH2
Huntingdon|25|PE28-29
Barnstaple|25|EX31-32
Workington|25|CA14
Market Harborough|24|LE16
Elgin|24|IV30
Arbroath|24|DD11
Falmouth|23|TR11
Antrim|23|BT41
Truro|21|TR1-4
Penzance|21|TR18-20
Goole|20|DN14
Ely|20|CB6-7
Stamford|20|PE9
Skegness|20|PE24-25
Gainsborough|20|DN21
Dorchester|20|DT1-2
Newquay|20|TR7-8
St Austell|20|PL25-26
Llandudno|20|LL30
Omagh|20|BT78-79
Dumbarton|20|G82
""".strip().splitlines()

EMAIL_PROVIDERS = [("example.com", 30), ("example.org", 14), ("example.net", 14),
                   ("mail.example.com", 10), ("mail.example.net", 8), ("post.example.org", 8),
                   ("inbox.example.com", 8), ("home.example.net", 8)]

UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in the inward code of UK postcodes
LOWER = "abcdefghijklmnopqrstuvwxyz"
KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def _neighbours():
    """Letters next to each letter on a QWERTY keyboard (same row and the rows around it)."""
    pos = {}
    for r, row in enumerate(KEYBOARD_ROWS):
        for c, ch in enumerate(row):
            pos[ch] = (r, c)
    out = {}
    for ch, (r, c) in pos.items():
        near = [o for o, (r2, c2) in pos.items() if o != ch and abs(r2 - r) <= 1 and abs(c2 - c) <= 1]
        out[ch] = "".join(near)
    return out


NEIGHBOURS = _neighbours()


def _fold(s: str) -> str:
    """Accents stripped (Léa -> Lea, Søren -> Soren, Yılmaz -> Yilmaz)."""
    s = s.replace("ø", "o").replace("Ø", "O").replace("ı", "i").replace("ł", "l").replace("Ł", "L")
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def _districts(spec: str) -> list[str]:
    out = []
    for tok in spec.split():
        if "-" in tok:
            head, hi = tok.split("-")
            letters = head.rstrip("0123456789")
            lo = int(head[len(letters):])
            out.extend(f"{letters}{n}" for n in range(lo, int(hi) + 1))
        else:
            out.append(tok)
    return out


class Weighted:
    """Draw from a fixed list with fixed weights: one bisect per draw."""
    __slots__ = ("items", "cum", "total", "hi")

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]
        self.hi = len(self.items) - 1

    def __call__(self, u: float):
        return self.items[bisect_right(self.cum, u * self.total, 0, self.hi)]


def _zipf(n: int, offset: float, s: float = 1.0) -> list[float]:
    return [1.0 / (r + offset) ** s for r in range(1, n + 1)]


def _build_surnames() -> list[str]:
    real = list(dict.fromkeys(SURNAMES_REAL))
    seen = set(real)
    fixed = random.Random(20240607)  # the pool does not depend on --seed
    # plain prefix+suffix names first (the more plausible ones get the higher weights), then
    # three-syllable ones; each group shuffled so weights are not alphabetical
    plain = [p + s for p in SYL_PREFIX for s in SYL_SUFFIX]
    plain += [root + end for root in FOREIGN_ROOT for end in FOREIGN_END]
    longer = [p + m + s for p in SYL_PREFIX for m in SYL_MIDDLE for s in SYL_SUFFIX
              if not (m and s[0] in "aeiou" and m[-1] in "aeiouy") and not (m == "ing" and s.startswith("ing"))]
    fixed.shuffle(plain)
    fixed.shuffle(longer)
    synth = plain + longer[:16000]
    out = real
    for name in synth:
        if name not in seen and len(name) >= 4:
            seen.add(name)
            out.append(name)
    for i in range(len(out)):  # a few Mc/Mac and double-barrelled names in the tail
        if i > len(real) and fixed.random() < 0.02:
            out[i] = fixed.choice(["Mc", "Mac", "O'"]) + out[i]
    return list(dict.fromkeys(out))


SURNAMES = _build_surnames()
# Zipf-like over the whole pool, close to the UK's: Smith ~1.1%, Jones ~0.9%, the 10th ~0.4%,
# the real ones ~30% of people, the synthetic tail rare.
PICK_SURNAME = Weighted(SURNAMES, _zipf(len(SURNAMES), 3.0, 0.8))
PICK_MALE = Weighted(MALE_NAMES, _zipf(len(MALE_NAMES), 6.0))
PICK_FEMALE = Weighted(FEMALE_NAMES, _zipf(len(FEMALE_NAMES), 6.0))
COMMON_MALE = MALE_NAMES[:10]
COMMON_FEMALE = FEMALE_NAMES[:10]
COMMON_SURNAMES = SURNAMES[:10]

CITY_NAMES = []
CITY_DISTRICTS = []
_city_w = []
for _line in CITIES:
    _name, _pop, _spec = _line.split("|")
    CITY_NAMES.append(_name)
    CITY_DISTRICTS.append(_districts(_spec))
    _city_w.append(float(_pop) ** 0.8)
PICK_CITY = Weighted(range(len(CITY_NAMES)), _city_w)
N_COMMON_CITIES = 5
PICK_STREET = Weighted(STREET_BASE, _zipf(len(STREET_BASE), 20.0, 0.7))
PICK_SUFFIX = Weighted([s for s, _ in STREET_SUFFIX], [w for _, w in STREET_SUFFIX])
PICK_PROVIDER = Weighted([p for p, _ in EMAIL_PROVIDERS], [w for _, w in EMAIL_PROVIDERS])
PROVIDERS = [p for p, _ in EMAIL_PROVIDERS]

FOLD: dict[str, str] = {}  # cache: name -> accents stripped


def fold(s: str) -> str:
    f = FOLD.get(s)
    if f is None:
        f = FOLD[s] = _fold(s)
    return f


# email local part: letters of the name only
LOCAL_CHARS = {}


def local_name(s: str) -> str:
    f = LOCAL_CHARS.get(s)
    if f is None:
        f = LOCAL_CHARS[s] = "".join(ch for ch in fold(s).lower() if ch.isalnum())
    return f


EMAIL_PATTERNS = Weighted(range(11), [25, 10, 15, 10, 5, 8, 3, 5, 5, 4, 2])

_ORD_1940 = datetime.date(1940, 1, 1).toordinal()


def _year_bounds(y: int) -> tuple[int, int]:
    o = datetime.date(y, 1, 1).toordinal()
    return o, datetime.date(y + 1, 1, 1).toordinal() - o


YEAR_BOUNDS = {y: _year_bounds(y) for y in range(1900, 2031)}


class Generator:
    def __init__(self, seed: int, dup_rate: float):
        self.rng = random.Random(seed)
        self.r = self.rng.random
        self.dup_rate = dup_rate
        self.used_emails: set[str] = set()

    # -- building blocks ----------------------------------------------------------------------

    def date_in_year(self, y: int) -> str:
        o, n = YEAR_BOUNDS[y]
        return datetime.date.fromordinal(o + int(self.r() * n)).isoformat()

    def phone(self) -> str:
        r = self.r
        return f"07{int(r() * 900) + 100:03d} {int(r() * 1000000):06d}"

    def address(self, city: int | None = None) -> tuple[str, str, str]:
        r = self.r
        if city is None:
            city = PICK_CITY(r())
        ds = CITY_DISTRICTS[city]
        pc = (f"{ds[int(r() * len(ds))]} {int(r() * 10)}"
              f"{UNIT_LETTERS[int(r() * 20)]}{UNIT_LETTERS[int(r() * 20)]}")
        num = int(r() * r() * 160) + 1
        base = PICK_STREET(r())
        suffix = PICK_SUFFIX(r())
        if suffix == base:
            suffix = "Road"
        street = f"{num} {base} {suffix}"
        if r() < 0.04:
            street = f"Flat {int(r() * 24) + 1}, {street}"
        return street, CITY_NAMES[city], pc

    def email(self, first: str, last: str, year: int) -> str:
        r = self.r
        f = local_name(first)
        l = local_name(last)
        p = EMAIL_PATTERNS(r())
        if p == 0:
            local = f"{f}.{l}"
        elif p == 1:
            local = f"{f}{l}"
        elif p == 2:
            local = f"{f}.{l}{int(r() * 100)}"
        elif p == 3:
            local = f"{f[:1]}{l}"
        elif p == 4:
            local = f"{f[:1]}.{l}"
        elif p == 5:
            local = f"{f}_{l}"
        elif p == 6:
            local = f"{l}{f}"
        elif p == 7:
            local = f"{f}.{l}{year}"
        elif p == 8:
            local = f"{f}{int(r() * 1000)}"
        elif p == 9:
            local = f"{l}.{f}"
        else:
            local = f"{f}{year % 100:02d}"
        domain = PICK_PROVIDER(r())
        e = f"{local}@{domain}"
        used = self.used_emails
        while e in used:  # a provider gives every mailbox to one person only
            local += str(int(r() * 10))
            e = f"{local}@{domain}"
        used.add(e)
        return e

    def first_name(self, male: bool) -> str:
        return PICK_MALE(self.r()) if male else PICK_FEMALE(self.r())

    # -- people and households ----------------------------------------------------------------
    # A person: [male, first, last, birth_date, email, phone, street, city, postcode, adult]

    def person(self, male, first, last, year, addr, phone, adult, has_email_p):
        r = self.r
        email = self.email(first, last, year) if r() < has_email_p else ""
        return [male, first, last, self.date_in_year(year), email, phone,
                addr[0], addr[1], addr[2], adult]

    def adult_year(self) -> int:
        return int(self.rng.triangular(1940, 1998, 1968))

    def household(self) -> list[list]:
        r = self.r
        u = r()
        people = []
        if u < 0.42:  # single
            male = r() < 0.5
            if r() < 0.03:  # common-name collision injected on purpose
                first = (COMMON_MALE if male else COMMON_FEMALE)[int(r() * 10)]
                last = COMMON_SURNAMES[int(r() * 10)]
                addr = self.address(int(r() * N_COMMON_CITIES))
            else:
                first = self.first_name(male)
                last = PICK_SURNAME(r())
                addr = self.address()
            phone = self.phone() if r() < 0.92 else ""
            people.append(self.person(male, first, last, self.adult_year(), addr, phone, True, 0.88))
            return people
        # couple, maybe with children
        addr = self.address()
        last = PICK_SURNAME(r())
        y1 = self.adult_year()
        y2 = min(2000, max(1940, y1 + int(r() * 11) - 5))
        p1 = self.person(True, self.first_name(True), last, y1, addr,
                         self.phone() if r() < 0.92 else "", True, 0.88)
        last2 = last if r() < 0.75 else PICK_SURNAME(r())
        shared_phone = r() < 0.05
        f2 = self.first_name(False)
        p2 = self.person(False, f2, last2, y2, addr,
                         p1[5] if shared_phone else (self.phone() if r() < 0.92 else ""),
                         True, 0.88)
        people += [p1, p2]
        if u < 0.70:
            return people
        # family: 1-4 children born 20-42 years after the younger parent, up to 2015
        base = max(y1, y2)
        n_kids = 1 + int(r() * r() * 4)
        twins = n_kids >= 2 and r() < 0.03
        kid_year = None
        kid_names = set()
        for k in range(n_kids):
            if twins and k == 1:
                year = kid_year
            else:
                year = base + 20 + int(r() * 23)
                if year > 2015:
                    year = 2015 - int(r() * 5)
                if year < 1955:
                    year = 1955 + int(r() * 10)
            male = r() < 0.5
            if k == 0 and male and r() < 0.02:
                first = p1[1]  # junior: the father's first name
            else:
                first = self.first_name(male)
                tries = 0
                while first in kid_names and tries < 10:
                    first = self.first_name(male)
                    tries += 1
            kid_names.add(first)
            adult = year <= 2000
            pr = r()
            if pr < (0.02 if adult else 0.10):
                phone = p1[5] or p2[5]
            elif pr < (0.95 if adult else 0.40):
                phone = self.phone()
            else:
                phone = ""
            kid = self.person(male, first, last, year, addr, phone, adult,
                              0.85 if adult else (0.3 if year <= 2007 else 0.0))
            if twins and k == 1:
                kid[3] = people[2][3]  # same birth date as the first child
            elif twins and k == 0:
                kid_year = year
            people.append(kid)
        return people

    # -- corruptions --------------------------------------------------------------------------

    def typo(self, s: str) -> str:
        r = self.r
        n = len(s)
        if n < 2:
            return s
        i = int(r() * n)
        op = r()
        ch = s[i].lower()
        near = NEIGHBOURS.get(ch)
        c = near[int(r() * len(near))] if near else LOWER[int(r() * 26)]
        if i == 0 and s[0].isupper():
            c = c.upper()
        if op < 0.25:
            return s[:i] + c + s[i:]
        if op < 0.5 and n > 3:
            return s[:i] + s[i + 1:]
        if op < 0.8:
            return s[:i] + c + s[i + 1:]
        if i < n - 1 and s[i] != s[i + 1]:
            a, b = s[i], s[i + 1]
            if i == 0:
                a, b = a.lower(), b.upper() if a.isupper() else b
            return s[:i] + b + a + s[i + 2:]
        return s[:i] + c + s[i + 1:]

    def corrupt(self, p: list) -> list:
        r = self.r
        male, first, last, dob, email, phone, street, city, pc, adult = p
        # names
        if adult and r() < 0.03:
            last = PICK_SURNAME(r())  # marriage
        if r() < 0.10:
            nick = NICKNAMES.get(first)
            if nick:
                first = nick[int(r() * len(nick))]
        if r() < 0.5:
            first = fold(first)
        if r() < 0.5:
            last = fold(last)
        if r() < 0.08:
            first = self.typo(first)
        if r() < 0.08:
            last = self.typo(last)
        if r() < 0.02:
            first, last = last, first
        if r() < 0.05:
            if r() < 0.5:
                first, last = first.upper(), last.upper()
            else:
                first, last = first.lower(), last.lower()
        # birth date (ISO at this point)
        if r() < 0.03:
            y, m, d = dob.split("-")
            if d <= "12" and d != m:
                dob = f"{y}-{d}-{m}"
        if r() < 0.03:
            i = (2, 3, 3, 5, 6, 8, 9, 9)[int(r() * 8)]  # not the century; mostly last digits
            digit = str(int(r() * 10))
            if digit == dob[i]:
                digit = str((int(digit) + 1) % 10)
            dob = dob[:i] + digit + dob[i + 1:]
        if r() < 0.15:
            y, m, d = dob.split("-")
            dob = f"{d}/{m}/{y}" if r() < 0.6 else f"{y}/{m}/{d}"
        # email
        if email and r() < 0.04:
            email = self.email(p[1], p[2], int(p[3][:4]))  # a new address
        if email:
            if r() < 0.06:
                local = email.split("@", 1)[0]
                email = f"{local}@{PROVIDERS[int(r() * len(PROVIDERS))]}"
            if r() < 0.03:
                local, domain = email.split("@", 1)
                email = f"{self.typo(local)}@{domain}"
            if r() < 0.04:
                email = email.upper()
        # phone
        if phone and r() < 0.05:
            phone = self.phone()  # a new number
        if phone and r() < 0.25:
            d = phone.replace(" ", "")
            v = r()
            if v < 0.4:
                phone = d
            elif v < 0.75:
                phone = f"+44 {d[1:5]} {d[5:]}"
            else:
                phone = f"({d[:5]}) {d[5:8]} {d[8:]}"
        # address
        if r() < 0.10:
            same_city = r() < 0.5
            street, city, pc = self.address(CITY_NAMES.index(city) if same_city else None)
        rec = [first, last, dob, email, phone, street, city, pc]
        if r() < 0.04:
            j = (0, 1, 5, 6)[int(r() * 4)]
            s = rec[j]
            if s:
                w = r()
                if w < 0.4:
                    rec[j] = s + " "
                elif w < 0.7:
                    rec[j] = " " + s
                elif " " in s:
                    rec[j] = s.replace(" ", "  ", 1)
                else:
                    rec[j] = s + "  "
        # missing values
        if r() < 0.04:
            rec[0] = ""
        if r() < 0.04:
            rec[1] = ""
        if r() < 0.05:
            rec[2] = ""
        if r() < 0.08:
            rec[3] = ""
        if r() < 0.08:
            rec[4] = ""
        if r() < 0.06:
            rec[5] = ""
        if r() < 0.05:
            rec[6] = ""
        if r() < 0.06:
            rec[7] = ""
        return rec

    def clean(self, p: list) -> list:
        """The first record of a person: as entered, a few fields missing."""
        r = self.r
        rec = [p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]]
        if r() < 0.05:
            j = int(r() * 8)
            if j != 0 and j != 1:
                rec[j] = ""
        return rec

    # -- the table ----------------------------------------------------------------------------

    def lines(self, n_rows: int) -> list[str]:
        """n_rows CSV lines (without the id column), in generation order."""
        out: list[str] = []

        class _Sink:
            write = out.append

        writer = csv.writer(_Sink(), lineterminator="\n")
        writerow = writer.writerow
        r = self.r
        dup_rate = self.dup_rate
        left = n_rows
        eid = 0
        while left > 0:
            for p in self.household():
                if left == 0:
                    break
                eid += 1
                extra = 0
                if r() < dup_rate:
                    u = r()
                    extra = 1 if u < 0.88 else (2 if u < 0.97 else 3)
                    if extra > left - 1:
                        extra = left - 1
                writerow([eid, *self.clean(p)])
                for _ in range(extra):
                    writerow([eid, *self.corrupt(p)])
                left -= 1 + extra
        self.entities = eid
        return out


def write_table(path: str, lines: list[str]) -> None:
    if path.endswith(".gz"):
        raw = open(path, "wb")
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
        f = io.TextIOWrapper(gz, encoding="utf-8", newline="")
        closers = [f, raw]
    else:
        f = open(path, "w", encoding="utf-8", newline="")
        closers = [f]
    try:
        f.write(",".join(HEADER) + "\n")
        step = 100_000
        for start in range(0, len(lines), step):
            chunk = lines[start:start + step]
            f.write("".join([f"{start + i + 1},{line}" for i, line in enumerate(chunk)]))
    finally:
        for c in closers:
            c.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="gen_people.py",
        description="Write a seeded synthetic UK people table (CSV) with labelled duplicates: "
                    "entity_id is the ground truth, id a shuffled surrogate key. Same "
                    "arguments -> byte-identical output.",
        epilog="Columns: id,entity_id,first_name,last_name,birth_date,email,phone,street,"
               "city,postcode. See the module docstring for the corruption mix.")
    ap.add_argument("--rows", type=int, required=True, help="number of data rows (exact)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument("--dup-rate", type=float, default=0.3,
                    help="share of people given 1-3 extra, corrupted records (default 0.3)")
    ap.add_argument("--out", required=True, help="output path; a name ending .gz is gzipped")
    ap.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    args = ap.parse_args(argv)
    if args.rows < 0:
        ap.error("--rows must be >= 0")
    if not 0.0 <= args.dup_rate <= 1.0:
        ap.error("--dup-rate must be between 0 and 1")

    t0 = time.perf_counter()
    g = Generator(args.seed, args.dup_rate)
    lines = g.lines(args.rows)
    g.rng.shuffle(lines)
    write_table(args.out, lines)
    if not args.quiet:
        n = len(lines)
        ents = getattr(g, "entities", 0)
        print(f"gen_people: {n} rows, {ents} people, {n - ents} extra records "
              f"({(n - ents) / max(n, 1):.1%}), {time.perf_counter() - t0:.1f}s -> {args.out}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
