"""First names the confidentiality scan knows (editorial/people.py), folded: lower case, no accents.

A compact list written for this desk rather than a package's (docs/security.md, "People in a post" says why): the
names most given in Belgium over the last eighty years, in Wallonia, Brussels and Flanders (Statbel's yearly lists
of first names are the model), with the names most common among Belgians of Italian, Spanish, Portuguese, Polish,
Romanian, Maghrebi, Turkish and Congolese families, and the English names now given in both languages. About 950
names, a few kilobytes in memory, read once.

Left out on purpose: first names that are ordinary capitalised words in a police message (Noël, France, Marine,
Justice, Constant, Prudence, Victoire...). A name that is not here is still found next to a title, a rank, a role or
an age (people.py); the list only lets a first name and a surname stand alone.
"""

from __future__ import annotations

_NAMES = """
    aaron abdel abdelkader abdellah abdelaziz abderrahim abdou abdoulaye abdul abel abigail achille adam adel
    adele adelaide adeline adem adil adrian adriana adrien agathe agnes ahmed ahmet aicha aida aime aimee aisha
    alain alan alba albane albert alberto alessandro alessia alex alexander alexandra alexandre alexia alexis
    alfons alfred ali alia alice alicia aline alison alix alma amandine amaury amber ambroise amel amelie amina
    amine amir amira amy ana anais andre andrea andreas andree andres andries andy angela angele angelique
    angelo anja ann anna annabelle anne anneke anneleen annelies annemie annette annick annie anouk anthony
    antoine antoinette anton antonio anya april arend ariane arianne arlette armand arnaud arne arno arnold
    arthur astrid audrey augustin aurelie aurelien axel axelle aya ayoub aylin ayse aziz bart bastien baptiste
    bea beatrice beatrijs benedicte benjamin benoit bernadette bernard berre bert bertrand bettina betty bianca
    bilal birgit bjorn bob boris boudewijn bram brecht brenda brigitte britt bruno brent camille carine carla
    carlo carlos carmen carole caroline cassandra catherine cecile cedric celia celine cesar charles charlotte
    chantal charline chloe chris christel christian christiane christine christophe claire clara clarisse claude
    claudia claudine clement clementine coline colette colin conny coralie corentin corinne cyril cyrille
    cynthia daan damien dana daniel daniela daniele danielle danny daphne dario david davy debora deborah
    delphine denis denise diane didier diego dieter dimitri dirk dominique donald dorian dorien dorothee dries
    dylan eddy edith edouard eduard eduardo eline elias elie elif elien eline elisa elisabeth elise eliza ella
    elke ellen elodie eloise els elsa emanuel emeline emiel emile emilie emilia emily emin emine emma emmanuel
    emmanuelle emre enzo eric erica erik erika ernest esma esmee esther estelle ethan etienne eugene eva evelien
    eveline evelyne evi evy ewa ezra fabian fabien fabienne fabrice fanny farah farid fatima fatma fatou felix
    ferdinand fernand fernando fien filip filippo flavie fleur florent florentin floriane florian florine
    francesca francesco francine francis francisco francois francoise frank franky frans frederic frederik
    frederique freya gabriel gabriela gabrielle gael gaelle gaetan gauthier geert georges georgette gerald
    geraldine gerard gerda germaine ghislain ghislaine gianni gilbert gilberte gilles gina ginette gino giovanni
    giulia giuseppe gonzalo gregoire gregory greet griet guido guillaume guy gwen gwendoline hakim hamid hamza
    hanane hanna hannah hannelore hans harry hasan hassan hatice hector helena helene henri henriette herman
    hilde hugo hugues hussein ibrahim ida ignace ilias ilse imane imke imran ines inge ingrid irene iris isa
    isabel isabella isabelle ismael ivan ivo jaak jacob jacqueline jacques jade jamal jan jana janine jannes
    jarno jason jasper jean jeanine jeanne jeannine jef jelle jennifer jens jenny jeremie jeremy jerome jesse
    jessica jessie jill jo joachim joan joanna jochen joel joelle johan johanna johannes john jonas jonathan
    joost jordan jordi joris jorn jose josee josef joseph josephine josiane josse joyce juan jules julia julian
    julie julien juliette justin justine kaat karel karen karim karima karin karine kasper kate katia katrien
    katrijn kelly ken kenneth kenny kevin khadija khalid kim kimberley kobe koen koenraad kristel kristof lara
    lars laura laure laurence laurens laurent lea leila len lena lennert leo leon leonard leonie leopold lien
    lies liesbet liesbeth lieve lina linda lindsay line lisa lise lize loes lola lore lorena lorenzo lotte lou
    louis louisa louise luc luca lucas lucie lucien lucienne ludo ludovic luka lukas luna lydia lyna maarten
    madeleine magali maggy mahmoud malika manon manu manuel manuela marc marcel marcelle marco marcus margaux
    margot maria mariam marian mariana marianne marie marieke marijke marina mario marion mariska marius mark
    marleen marlene martha marthe martijn martin martina martine mateo mathias mathieu mathilde mathis matteo
    matthias matthieu maud maurice max maxence maxim maxime maya mehdi mehmet melanie melissa meryem mia michael
    michel michele micheline michiel miguel mila milan mireille miriam mohamed mohammed monica monique morgane
    mostafa mustafa myriam nabil nadia nadine naima nancy naomi nathalie nathan nele nicky nico nicolas nicole
    niels nina ninon noah noa noemie noor nora norbert nordine nour nuria octave odette odile olga oliver olivia
    olivier omar oscar oumar pablo paola pascal pascale patricia patrick paul paula paule pauline pedro peggy
    peter petra philippe pier piet pieter pieterjan pierre pierrette pol priscilla quentin rachid rachida rafael
    raf raphael raphaelle raymond rebecca regine remi remy renaud rene renee rik rita robert roberto robin
    robrecht rodrigo roel roger roland romain roman romane romy ronald ronny rosa rose roos ruben rudi rudy ruth
    ryan sabine sabrina sacha safia said saida salma salome sam samir samira samuel sandra sandrine sandro sara
    sarah sebastien selim sem seppe serge severine sevda sien silke silvia simon simone sofia sofie soraya
    sophie stan stefaan stefan stefanie stephane stephanie steve steven stijn sven sylvain sylvia sylvie tamara
    tania tanguy tatiana teo theo theodore therese thibaut thierry thijs thomas tibo tim timo tina tine tiziana
    tom tommy tony tristan tuba ugo ulrich ursula valentin valentine valerie vanessa vera veerle veronique
    victor victoria vincent viviane vic walter wannes warre wendy werner wesley wilfried willem william willy
    wim wout wouter xavier yannick yann yasmina yasmine yassin yassine yves yvette yvonne youssef younes yusuf
    zakaria zeynep zoe zohra aleksander andrzej bogdan dorota ewelina grzegorz joanna katarzyna krzysztof
    malgorzata marek mateusz pawel piotr tomasz wojciech agnieszka beata iwona ionut andrei mihai elena ioana
    cristina florin gheorghe vasile mustapha abdelhak brahim driss hicham hafsa houda ilham jamila kaoutar
    latifa loubna meriem nabila nawal ouafa rania salima siham souad wafa yousra zineb zakia anas badr bilel
    hamza ismail khalil mounir nassim othmane reda soufiane tarik yassir younes zouhair ayse burak cem deniz
    emre furkan hakan kemal murat osman serkan tolga yusuf aylin buse derya ebru elif gul hatice melek merve
    ozlem selin sibel songul tugba jean-baptiste patrice blaise jean-claude kabongo mukendi grace divine
    merveille exauce gloire chancel benedict carl colette dean ellie evan harvey isaac jack jake james joshua
    kyle leah liam lily logan mason megan nathaniel oliver owen riley ryan scott sean sophia stella tyler zack
"""
FIRST_NAMES = frozenset(_NAMES.split())
