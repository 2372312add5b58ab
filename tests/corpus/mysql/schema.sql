-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: library

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
SET FOREIGN_KEY_CHECKS = 0;

DROP TABLE IF EXISTS `authors`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
CREATE TABLE `authors` (
  `author_id` int unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(120) NOT NULL,
  `country` char(2) DEFAULT NULL,
  `born` date DEFAULT NULL,
  `bio` mediumtext,
  PRIMARY KEY (`author_id`),
  UNIQUE KEY `authors_name_uq` (`name`),
  KEY `authors_country_idx` (`country`)
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

DROP TABLE IF EXISTS `books`;
CREATE TABLE `books` (
  `book_id` bigint NOT NULL AUTO_INCREMENT,
  `author_id` int unsigned NOT NULL,
  `title` varchar(200) CHARACTER SET utf8mb4 NOT NULL,
  `isbn` char(13) DEFAULT NULL,
  `price` decimal(8,2) NOT NULL DEFAULT '0.00',
  `in_print` tinyint(1) NOT NULL DEFAULT '1',
  `format` enum('hardcover','paperback','ebook') NOT NULL DEFAULT 'paperback',
  `added_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` timestamp NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP,
  `meta` json DEFAULT NULL,
  PRIMARY KEY (`book_id`),
  UNIQUE KEY `isbn` (`isbn`),
  KEY `books_author_fk` (`author_id`),
  CONSTRAINT `books_author_fk` FOREIGN KEY (`author_id`) REFERENCES `authors` (`author_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `authors` WRITE;
/*!40000 ALTER TABLE `authors` DISABLE KEYS */;
INSERT INTO `authors` VALUES (1,'Ursula K. Le Guin','US','1929-10-21','Wrote \"Earthsea\" and more'),(2,'Italo Calvino','IT','1923-10-15',NULL);
/*!40000 ALTER TABLE `authors` ENABLE KEYS */;
UNLOCK TABLES;

INSERT INTO `books` (`author_id`, `title`, `isbn`, `price`, `in_print`, `format`, `meta`)
VALUES (1, 'A Wizard of Earthsea', '9780547773742', 9.99, 1, 'paperback', '{"series": "Earthsea"}'),
       (2, 'Invisible Cities', '9780156453806', 12.50, 0, 'hardcover', NULL);

DELIMITER ;;
CREATE TRIGGER `books_touch` BEFORE UPDATE ON `books` FOR EACH ROW BEGIN
  SET NEW.updated_at = NOW();
END ;;
DELIMITER ;

DELIMITER //
CREATE PROCEDURE `count_books`(IN a INT)
BEGIN
  SELECT COUNT(*) FROM books WHERE author_id = a;
END //
DELIMITER ;

/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
SET FOREIGN_KEY_CHECKS = 1;
